"""Reports for people: report.xlsx and the console."""

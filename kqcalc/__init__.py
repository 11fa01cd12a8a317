"""kqcalc: the Keqiao cross-border e-commerce subsidy calculator (绍柯政办发〔2020〕33号)."""

__version__ = "0.1.0"

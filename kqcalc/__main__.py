from kqcalc.cli import main

main()

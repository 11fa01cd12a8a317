"""Tools beside the library: the seeded sample generator (`kqcalc sample`) and the benchmark (`make bench`).

Nothing in kqcalc's computing code imports these; item-code literals are allowed here (the generator writes a
scenario per item, the bench names the peer's items)."""

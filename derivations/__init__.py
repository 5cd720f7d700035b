"""The theory part of the report: LaTeX derivations and the SymPy checks that verify them."""

"""Occasion mining: recurring yearly moments in each customer's purchase history.

`mining` is pure Python + numpy (no database), so the evaluation command and the beat task run the
same code; `evaluation` scores predicted (customer, window) pairs; `reading` loads Online Retail
files in both UCI column namings.
"""

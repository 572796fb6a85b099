"""The biller's day: claims (837P/837I), the morning scrub, work queues, 835 posting, AR.

>>> from coderlib.billing.npi import is_valid_npi
>>> is_valid_npi("1234567893")
True
"""

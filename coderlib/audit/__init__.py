"""coderlib.audit: random chart audits that stand up.

Modules: ``population`` (load and validate coded encounters), ``sampling`` (reproducible
SRS / stratified / probe samples, RAT-STATS-style attribute sample sizes), ``findings`` (the
auditor's findings in the SQLite store, resumable), ``differences`` (error categories),
``scoring`` (code/record/DRG accuracy with exact CIs, dollar and CMS-HCC V28 impact),
``reports`` (tables, figures, formula-safe export), ``demo`` (the demo population) and
``commands`` (``coderlib audit ...``).
"""

"""Reading and validating import files (customers, touchpoints, feedback).

``loaders.read.read_table`` turns a CSV, XLSX or Parquet file into raw text columns;
``loaders.validate.validate`` checks them against ``loaders.columns`` and returns typed frames
plus every problem found, as ``loaders.errors.InputError``. ``loaders.privacy`` handles personal data:
pseudonymised customer ids, masked comments, customers forgotten on request.
"""

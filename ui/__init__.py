"""Streamlit glue shared by app.py and the pages (the only code besides them that imports streamlit).

cache    the connection, the data version, and every view as a typed call cached per version
sidebar  the shared filters (snapshot, instansi, OPD, jenis ASN)
widgets  tables, downloads, the empty state
login    sign-in, roles, the audit of who came and went
actions  what changes data: upload, extension, backup and restore
"""

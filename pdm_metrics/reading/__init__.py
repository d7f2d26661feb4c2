"""From a file to cells: CSV and workbook readers, header recognition, the snapshot date."""

"""What each page shows, one module per page (named as in app_pages/), plus common.py.

Each view takes the store connection and the sidebar's filters and returns data ready to place:
formatted texts, display frames with Indonesian headers, Plotly figures.
"""

"""The class together: rooms, students, their drawings, the board, moderation and export.

Arrows point one way: pages -> service (what pages call) -> storage (the queries) -> sqlite (connections,
transactions, errors), with schema (the tables and migrations); rooms holds the pure rules (codes, nicknames,
limits); export turns a room into the lab's X.npy / y.npy. Nothing here imports Streamlit.
"""

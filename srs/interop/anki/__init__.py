"""interop/anki"""

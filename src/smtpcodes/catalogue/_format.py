"""The compiled bundle's layout, shared by the writer (_compile) and the reader (_loader).

The file: MAGIC, the header's size (8 bytes, little-endian), the header (a marshalled dict in
which each of BLOB_TABLES maps keys to (offset, size) in the blob area), then the blobs.
"""

#: bumped whenever the layout changes, so an older bundle is rebuilt, not misread
BUNDLE_FORMAT = 4
MAGIC = b"smtpcodes catalogue\n"
#: the tables whose values are blobs: stored after the header, read on lookup
BLOB_TABLES = ("entries", "vendor", "transcripts")

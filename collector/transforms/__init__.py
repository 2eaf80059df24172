"""Transforms: bytes of a stream to records - lines, traceback grouping, parsing and
validation against the record schema, with the origin and id of every record."""

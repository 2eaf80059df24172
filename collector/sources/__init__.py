"""Sources: where lines come from."""

from collector.sources.base import Chunk, Source
from collector.sources.files import FileSource
from collector.sources.pipes import PipeSource, stdin_source
from collector.sources.process import ProcessSource

__all__ = ["Chunk", "FileSource", "PipeSource", "ProcessSource", "Source", "stdin_source"]

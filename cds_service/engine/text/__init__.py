"""Reading clinical text: words -> concepts with context (medspaCy), and time expressions."""

from cds_service.engine.text.reader import TextInAnotherLanguage, TextMention, TextNotRead, TextReader, TextTooLong
from cds_service.engine.text.times import TimeNote

__all__ = ["TextInAnotherLanguage", "TextMention", "TextNotRead", "TextReader", "TextTooLong", "TimeNote"]

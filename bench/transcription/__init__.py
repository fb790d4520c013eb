"""Transcription benchmark: WER, keyword recall/precision per noise level, real-time factor."""

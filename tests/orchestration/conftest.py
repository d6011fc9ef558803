"""Fixtures of the orchestration tests: the real S3 (moto) and Blob (Azurite) servers."""

from tests.ingestion.conftest import azurite, s3_endpoint

__all__ = ["azurite", "s3_endpoint"]

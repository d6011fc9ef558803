"""Our ingestion alone: the aws_cur dlt source into the configured warehouse."""

from __future__ import annotations

import sys

from ingestion.aws_cur import DATASET_NAME, IngestReport, aws_cur
from ingestion.warehouse import make_pipeline

if __name__ == "__main__":
    report = IngestReport()
    make_pipeline("aws_cur", DATASET_NAME).run(aws_cur(path=sys.argv[1], report=report))
    if report.quarantined:
        raise SystemExit(f"quarantined: {report.summary()['quarantined']}")
    print(report.rows)

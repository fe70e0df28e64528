"""Registry batch processing: stage every row of a CSV, Parquet, JSON Lines or NAACCR XML file.

Rows can be SEER EOD 2018 codes (pleural mesothelioma, schema 00370), T/N/M categories or case findings. Every
input row comes back, in order, with the derived columns or an error naming the column and the reason.
Supports, and does not replace, a specialist's judgement.
"""

from __future__ import annotations

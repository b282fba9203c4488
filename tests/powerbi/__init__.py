"""Tests of the Power BI refresh command (extract/powerbi) against a local fake Power BI."""

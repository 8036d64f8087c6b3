"""The live dashboard's model: rig digests, the farm aggregator, chart rollups."""

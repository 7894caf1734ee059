"""OfflineOffice: Rapport's offline client (enrolled device, local store, outbox, sync)."""

__version__ = "0.1.0"

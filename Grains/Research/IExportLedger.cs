using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>
/// The export ledger (each finished export: who, when, filters, and every sheet's row count and SHA-256) and the erasure
/// ledger beside it: MySQL in cluster mode, process memory in embedded mode. Every <see cref="DateTime"/> is UTC.
/// </summary>
public interface IExportLedger
{
    /// <summary>Writes a finished export, with its sheets' counts and hashes, to the ledger.</summary>
    Task RecordExportAsync(ExportLedgerEntry entry, CancellationToken cancellationToken);

    /// <summary>The ledger entry of one export, or null if no export has this id.</summary>
    Task<ExportLedgerEntry?> FindExportAsync(Guid exportId, CancellationToken cancellationToken);

    /// <summary>Ledger entries, most recently recorded first, and how many there are in all.</summary>
    Task<(IReadOnlyList<ExportLedgerEntry> Entries, long Total)> ListExportsAsync(long offset, int count, CancellationToken cancellationToken);

    /// <summary>The erasure ledger, most recently recorded first, and how many erasures there are in all.</summary>
    Task<(IReadOnlyList<ErasureLedgerEntry> Entries, long Total)> ListErasuresAsync(long offset, int count, CancellationToken cancellationToken);
}

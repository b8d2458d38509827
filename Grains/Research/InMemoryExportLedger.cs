using Dilemma.Grains.Interfaces.Research;

namespace Dilemma.Grains.Research;

/// <summary>The export ledger of embedded mode, in process memory; the erasure ledger is the research store's.</summary>
public sealed class InMemoryExportLedger(InMemoryResearchStore research) : IExportLedger
{
    private readonly Lock _lock = new();
    private readonly List<ExportLedgerEntry> _ledger = [];

    /// <summary>The ledger of this process, oldest first.</summary>
    public IReadOnlyList<ExportLedgerEntry> Ledger
    {
        get
        {
            lock (_lock)
            {
                return [.. _ledger];
            }
        }
    }

    /// <summary>How many exports are recorded.</summary>
    public long Count
    {
        get
        {
            lock (_lock)
            {
                return _ledger.Count;
            }
        }
    }

    public Task RecordExportAsync(ExportLedgerEntry entry, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            _ledger.Add(entry);
        }

        return Task.CompletedTask;
    }

    public Task<ExportLedgerEntry?> FindExportAsync(Guid exportId, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            return Task.FromResult(_ledger.Find(e => e.ExportId == exportId));
        }
    }

    public Task<(IReadOnlyList<ExportLedgerEntry> Entries, long Total)> ListExportsAsync(long offset, int count, CancellationToken cancellationToken)
    {
        lock (_lock)
        {
            IReadOnlyList<ExportLedgerEntry> entries = Enumerable.Reverse(_ledger).Skip((int)Math.Min(offset, int.MaxValue)).Take(count).ToList();
            return Task.FromResult((entries, (long)_ledger.Count));
        }
    }

    public Task<(IReadOnlyList<ErasureLedgerEntry> Entries, long Total)> ListErasuresAsync(long offset, int count, CancellationToken cancellationToken) =>
        Task.FromResult(research.ListErasures(offset, count));
}

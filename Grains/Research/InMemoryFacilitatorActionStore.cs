using System.Collections.Concurrent;
using Dilemma.Grains.Interfaces.Sessions;

namespace Dilemma.Grains.Research;

/// <summary>The audit in process memory (embedded mode): gone with the process, like everything else there.</summary>
public sealed class InMemoryFacilitatorActionStore : IFacilitatorActionStore
{
    private readonly ConcurrentQueue<FacilitatorActionEntry> _entries = new();

    public Task RecordAsync(FacilitatorActionEntry entry, CancellationToken cancellationToken)
    {
        _entries.Enqueue(entry);
        return Task.CompletedTask;
    }

    /// <summary>Every action recorded, in order: the research export's facilitator_actions sheet reads them by room.</summary>
    public IReadOnlyList<FacilitatorActionEntry> All() => [.. _entries];

    public Task<IReadOnlyList<FacilitatorActionEntry>> ReadAsync(string sessionCode, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<FacilitatorActionEntry>>(_entries.Where(e => e.SessionCode == sessionCode).ToList());
}

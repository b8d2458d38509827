using Dilemma.Grains.Interfaces.Diagnostics;

namespace Dilemma.Grains.Diagnostics;

public sealed class InMemoryStorageProbe : IStorageProbe
{
    public Task<DependencyReport> CheckAsync(CancellationToken cancellationToken) =>
        Task.FromResult(new DependencyReport("storage", true, false, "In-memory storage (embedded mode): data is lost when the process stops."));
}

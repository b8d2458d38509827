using Dilemma.Grains.Interfaces.Diagnostics;

namespace Dilemma.Grains.Diagnostics;

/// <summary>Asks the silo's database whether it answers.</summary>
public interface IStorageProbe
{
    Task<DependencyReport> CheckAsync(CancellationToken cancellationToken);
}

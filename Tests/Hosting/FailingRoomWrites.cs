using System.Collections.Concurrent;
using Dilemma.Grains.Embedded;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// Fails the next write of a room's state that a test arms, as a database that refused the statement: wrapped around the
/// grain storage (a keyed <see cref="IGrainStorage"/>), for tests of what a room does when its save fails after its rows.
/// </summary>
internal sealed class FailingRoomWrites
{
    private readonly ConcurrentDictionary<string, bool> _armed = new();

    public void FailNext(string code) => _armed[code] = true;

    public IGrainStorage Around(IGrainStorage inner) => new Storage(inner, this);

    /// <summary>Puts this around embedded mode's game storage: for a <see cref="GatewayFactory"/>'s services.</summary>
    public IServiceCollection AroundGameStorage(IServiceCollection services) =>
        services.AddKeyedSingleton<IGrainStorage>(StorageNames.Game, (provider, _) => Around(provider.GetRequiredService<EmbeddedGrainStorage>()));

    private sealed class Storage(IGrainStorage inner, FailingRoomWrites failing) : IGrainStorage
    {
        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            stateName == "room" && failing._armed.TryRemove(grainId.Key.ToString()!, out _)
                ? throw new StorageFailedException("The room's state write failed (a test's failure).")
                : inner.WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
    }
}

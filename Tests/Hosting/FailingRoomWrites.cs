using System.Collections.Concurrent;
using Dilemma.Grains.Embedded;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Research;
using Dilemma.Grains.Sessions;
using Dilemma.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Storage;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// Fails the next write of a room's state that a test arms (or of a session's, picked by what it stores), as a database that
/// refused the statement: wrapped around the grain storage (a keyed <see cref="IGrainStorage"/>), for tests of what a grain does
/// when its save fails after its rows or after another grain's change. It fails a session's next facilitator audit insert the
/// same way, wrapped around the in-memory audit store, for what a session does when the audit after a committed action fails.
/// </summary>
internal sealed class FailingRoomWrites
{
    private readonly ConcurrentDictionary<(string StateName, string Key), Func<object?, bool>> _armed = new();

    private readonly ConcurrentDictionary<string, string> _armedAudits = new();

    public void FailNext(string code) => _armed[("room", code)] = _ => true;

    /// <summary>
    /// Fails the session's next write that <paramref name="when"/> picks by the state it stores (the one recording a room, say),
    /// letting the writes before it through, whichever order the session writes in.
    /// </summary>
    public void FailNextSessionWrite(string sessionCode, Func<SessionState, bool> when) =>
        _armed[("session", sessionCode)] = state => state is SessionState session && when(session);

    /// <summary>Fails the session's next audit insert of <paramref name="action"/> (a <see cref="FacilitatorActionKind"/>), once.</summary>
    public void FailNextAudit(string sessionCode, string action) => _armedAudits[sessionCode] = action;

    public IGrainStorage Around(IGrainStorage inner) => new Storage(inner, this);

    /// <summary>Puts this around embedded mode's facilitator audit: for a <see cref="GatewayFactory"/>'s services.</summary>
    public IServiceCollection AroundAudit(IServiceCollection services) =>
        services.AddSingleton<IFacilitatorActionStore>(provider => new Audit(provider.GetRequiredService<InMemoryFacilitatorActionStore>(), this));

    /// <summary>Puts this around embedded mode's game storage: for a <see cref="GatewayFactory"/>'s services.</summary>
    public IServiceCollection AroundGameStorage(IServiceCollection services) =>
        services.AddKeyedSingleton<IGrainStorage>(StorageNames.Game, (provider, _) => Around(provider.GetRequiredService<EmbeddedGrainStorage>()));

    /// <summary>
    /// Puts this around cluster mode's game storage (Orleans' ADO.NET provider on MariaDB): for a silo's builder, in
    /// <see cref="ClusterDeployment.StartSiloAsync"/>'s configure. The silo adds its storage after that runs, so the
    /// storage is wrapped when the container is built, from the registration the silo made.
    /// </summary>
    public void AroundClusterGameStorage(IHostApplicationBuilder builder) => builder.ConfigureContainer(new WrappingFactory(this));

    private sealed class WrappingFactory(FailingRoomWrites failing) : IServiceProviderFactory<IServiceCollection>
    {
        public IServiceCollection CreateBuilder(IServiceCollection services)
        {
            var storage = services.Last(d => d.IsKeyedService && d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, StorageNames.Game));
            services.Remove(storage);
            services.AddKeyedSingleton<IGrainStorage>(StorageNames.Game, (provider, key) => failing.Around((IGrainStorage)storage.KeyedImplementationFactory!(provider, key)));
            return services;
        }

        public IServiceProvider CreateServiceProvider(IServiceCollection containerBuilder) => new DefaultServiceProviderFactory().CreateServiceProvider(containerBuilder);
    }

    private bool Fails(string stateName, GrainId grainId, object? state)
    {
        var key = (stateName, grainId.Key.ToString()!);
        return _armed.TryGetValue(key, out var when) && when(state) && _armed.TryRemove(new KeyValuePair<(string, string), Func<object?, bool>>(key, when));
    }

    private bool FailsAudit(FacilitatorActionEntry entry) =>
        _armedAudits.TryGetValue(entry.SessionCode, out var action) && action == entry.Action
        && _armedAudits.TryRemove(new KeyValuePair<string, string>(entry.SessionCode, action));

    private sealed class Audit(IFacilitatorActionStore inner, FailingRoomWrites failing) : IFacilitatorActionStore
    {
        public Task RecordAsync(FacilitatorActionEntry entry, CancellationToken cancellationToken) =>
            failing.FailsAudit(entry)
                ? throw new StorageFailedException($"The {entry.Action} audit insert failed (a test's failure).")
                : inner.RecordAsync(entry, cancellationToken);

        public Task<IReadOnlyList<FacilitatorActionEntry>> ReadAsync(string sessionCode, CancellationToken cancellationToken) => inner.ReadAsync(sessionCode, cancellationToken);
    }

    private sealed class Storage(IGrainStorage inner, FailingRoomWrites failing) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
    {
        // The ADO.NET provider loads its queries in the silo's lifecycle, which finds it through this wrapper.
        public void Participate(ISiloLifecycle observer) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(observer);

        public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ReadStateAsync(stateName, grainId, grainState);

        public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
            failing.Fails(stateName, grainId, grainState.State)
                ? throw new StorageFailedException($"The {stateName} state write failed (a test's failure).")
                : inner.WriteStateAsync(stateName, grainId, grainState);

        public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) => inner.ClearStateAsync(stateName, grainId, grainState);
    }
}

using Dilemma.Grains.Interfaces.Errors;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Dilemma.Grains.Storage;

/// <summary>
/// Cluster mode's grain storage, its database errors turned into <see cref="StorageUnavailableException"/> and
/// <see cref="StorageFailedException"/> as <see cref="StorageFailureFilter"/> turns those of a call. A grain's state is
/// read while it activates, before any call filter runs, and Orleans sends the activation's error to the caller as it is:
/// the driver's MySqlException inside, which has no codec, reached the gateway as a CodecNotFoundException and a 500, where
/// a locked <c>OrleansStorage</c> or a database gone is a 503 that says so.
/// </summary>
internal sealed class StorageFailureGrainStorage(IGrainStorage inner) : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    /// <summary>Puts the translation around the grain storage registered under <paramref name="name"/>.</summary>
    public static void Around(IServiceCollection services, string name)
    {
        var storage = services.Last(d => d.IsKeyedService && d.ServiceType == typeof(IGrainStorage) && Equals(d.ServiceKey, name));
        var factory = storage.KeyedImplementationFactory
            ?? throw new InvalidOperationException($"The grain storage '{name}' is not registered by a factory.");
        services.Remove(storage);
        services.AddKeyedSingleton<IGrainStorage>(name, (provider, key) => new StorageFailureGrainStorage((IGrainStorage)factory(provider, key)));
    }

    // The ADO.NET provider loads its queries in the silo's lifecycle, which finds it through this wrapper.
    public void Participate(ISiloLifecycle observer) => (inner as ILifecycleParticipant<ISiloLifecycle>)?.Participate(observer);

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StorageFailure.TranslatedAsync(() => inner.ReadStateAsync(stateName, grainId, grainState));

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StorageFailure.TranslatedAsync(() => inner.WriteStateAsync(stateName, grainId, grainState));

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        StorageFailure.TranslatedAsync(() => inner.ClearStateAsync(stateName, grainId, grainState));
}

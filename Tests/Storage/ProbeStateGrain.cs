namespace Dilemma.Tests.Storage;

/// <summary>Writes and re-reads one persistent string, so tests can drive the grain storage provider end to end.</summary>
public interface IProbeStateGrain : IGrain
{
    Task WriteAsync(string value, CancellationToken cancellationToken = default);

    /// <summary>Reads the state from storage again (not from the activation's memory) and returns it.</summary>
    Task<string?> ReloadAsync(CancellationToken cancellationToken = default);

    Task ClearAsync(CancellationToken cancellationToken = default);
}

// One grain class behind every key kind, so the keys differ while the state name ("probe") stays the same.
public interface IProbeStringGrain : IProbeStateGrain, IGrainWithStringKey;

public interface IProbeIntegerGrain : IProbeStateGrain, IGrainWithIntegerKey;

public interface IProbeIntegerCompoundGrain : IProbeStateGrain, IGrainWithIntegerCompoundKey;

public interface IProbeGuidGrain : IProbeStateGrain, IGrainWithGuidKey;

public interface IProbeGuidCompoundGrain : IProbeStateGrain, IGrainWithGuidCompoundKey;

/// <summary>Same probe on a provider configured with DeleteStateOnClear, which uses the DeleteStorageKey query.</summary>
public interface IDeletingProbeGrain : IProbeStateGrain, IGrainWithStringKey;

[GenerateSerializer]
public sealed class ProbeState
{
    [Id(0)]
    public string? Value { get; set; }
}

public static class ProbeStores
{
    public const string Keeping = "test-store";
    public const string Deleting = "test-store-deleting";
}

public sealed class ProbeStateGrain(
    [PersistentState("probe", ProbeStores.Keeping)] IPersistentState<ProbeState> state)
    : Grain, IProbeStringGrain, IProbeIntegerGrain, IProbeIntegerCompoundGrain, IProbeGuidGrain, IProbeGuidCompoundGrain
{
    public Task WriteAsync(string value, CancellationToken cancellationToken = default) => ProbeOperations.WriteAsync(state, value, cancellationToken);

    public Task<string?> ReloadAsync(CancellationToken cancellationToken = default) => ProbeOperations.ReloadAsync(state, cancellationToken);

    public Task ClearAsync(CancellationToken cancellationToken = default) => state.ClearStateAsync(cancellationToken);
}

public sealed class DeletingProbeGrain(
    [PersistentState("probe-deleting", ProbeStores.Deleting)] IPersistentState<ProbeState> state)
    : Grain, IDeletingProbeGrain
{
    public Task WriteAsync(string value, CancellationToken cancellationToken = default) => ProbeOperations.WriteAsync(state, value, cancellationToken);

    public Task<string?> ReloadAsync(CancellationToken cancellationToken = default) => ProbeOperations.ReloadAsync(state, cancellationToken);

    public Task ClearAsync(CancellationToken cancellationToken = default) => state.ClearStateAsync(cancellationToken);
}

internal static class ProbeOperations
{
    public static Task WriteAsync(IPersistentState<ProbeState> state, string value, CancellationToken cancellationToken)
    {
        state.State.Value = value;
        return state.WriteStateAsync(cancellationToken);
    }

    public static async Task<string?> ReloadAsync(IPersistentState<ProbeState> state, CancellationToken cancellationToken)
    {
        await state.ReadStateAsync(cancellationToken);
        return state.State.Value;
    }
}

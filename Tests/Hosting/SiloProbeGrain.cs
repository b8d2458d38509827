using Dilemma.Grains.Storage;

namespace Dilemma.Tests.Hosting;

/// <summary>A grain that says which silo it lives on and keeps a value in the game store, for hosting tests.</summary>
public interface ISiloProbeGrain : IGrainWithStringKey
{
    Task<string> WhereAsync();

    Task SaveAsync(string value);

    Task<string?> ReadAsync();
}

[GenerateSerializer]
public sealed class SiloProbeState
{
    [Id(0)]
    public string? Value { get; set; }
}

public sealed class SiloProbeGrain(
    ILocalSiloDetails silo,
    [PersistentState("silo-probe", StorageNames.Game)] IPersistentState<SiloProbeState> state) : Grain, ISiloProbeGrain
{
    public Task<string> WhereAsync() => Task.FromResult(silo.SiloAddress.ToString());

    public async Task SaveAsync(string value)
    {
        state.State.Value = value;
        await state.WriteStateAsync();
    }

    public Task<string?> ReadAsync() => Task.FromResult(state.State.Value);
}

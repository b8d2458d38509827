using System.Globalization;
using Dilemma.Grains.Collections;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Dilemma.Grains.Embedded;

/// <summary>
/// Embedded mode's grain storage: each state as the bytes the storage serializer writes (the same JSON
/// cluster mode stores), in this process's memory. It replaces Orleans' memory storage for three reasons
/// that show in a long-running process: that storage keeps the key of every cleared state for good (a
/// forgotten room left two entries behind), answers through storage grains (a message per write in a
/// process with one silo), and holds each payload apart, so a thousand rooms on one scenario held a
/// thousand copies of its ~20 KB snapshot. Here a cleared state is gone, calls stay in the caller's turn,
/// and large payloads that are byte for byte the same are held once (<see cref="SharedPayloads"/>).
/// ETags are checked as a database would: a write or clear must name the state it read.
/// </summary>
public sealed class EmbeddedGrainStorage(IGrainStorageSerializer serializer, IActivatorProvider activators) : IGrainStorage
{
    /// <summary>Payloads of this many bytes or more are held once however many states hold them.</summary>
    public const int SharedFromBytes = SharedPayloads.SharedFromBytes;

    private readonly Lock _lock = new();
    private readonly Dictionary<(string StateName, GrainId Grain), Stored> _states = [];
    private readonly SharedPayloads _payloads = new();
    private long _lastVersion;

    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        Stored? stored;
        lock (_lock)
        {
            stored = _states.GetValueOrDefault((stateName, grainId));
        }

        if (stored is null)
        {
            Reset(grainState);
            return Task.CompletedTask;
        }

        grainState.State = serializer.Deserialize<T>(stored.Payload.Bytes) ?? activators.GetActivator<T>().Create();
        grainState.ETag = stored.ETag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = SharedPayloads.Candidate(serializer.Serialize(grainState.State).ToMemory());
        string etag;
        lock (_lock)
        {
            var key = (stateName, grainId);
            var current = _states.GetValueOrDefault(key);
            ThrowIfStale(stateName, grainId, current, grainState.ETag);
            etag = (++_lastVersion).ToString(CultureInfo.InvariantCulture);
            _states[key] = new Stored(etag, _payloads.Hold(payload));
            _payloads.Release(current?.Payload);
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
        return Task.CompletedTask;
    }

    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        lock (_lock)
        {
            var key = (stateName, grainId);
            var current = _states.GetValueOrDefault(key);
            ThrowIfStale(stateName, grainId, current, grainState.ETag);
            if (current is not null)
            {
                _states.Remove(key);
                _payloads.Release(current.Payload);
                UnusedRoom.GiveBack(_states);
            }
        }

        Reset(grainState);
        return Task.CompletedTask;
    }

    /// <summary>For tests: the bytes held for a state, if any.</summary>
    public ReadOnlyMemory<byte>? StoredBytes(string stateName, GrainId grainId)
    {
        lock (_lock)
        {
            return _states.GetValueOrDefault((stateName, grainId))?.Payload.Bytes;
        }
    }

    /// <summary>For tests: whether large bytes like these are still held for some state.</summary>
    public bool HoldsShared(ReadOnlyMemory<byte> bytes)
    {
        lock (_lock)
        {
            return _payloads.Holds(SharedPayloads.Candidate(bytes));
        }
    }

    private static void ThrowIfStale(string stateName, GrainId grainId, Stored? current, string? presentedETag)
    {
        if (current?.ETag != presentedETag)
        {
            throw new InconsistentStateException(
                $"The {stateName} state of {grainId} changed since it was read (ETag {presentedETag ?? "none"}, stored {current?.ETag ?? "none"}).",
                current?.ETag,
                presentedETag);
        }
    }

    private void Reset<T>(IGrainState<T> grainState)
    {
        grainState.State = activators.GetActivator<T>().Create();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    private sealed record Stored(string ETag, SharedPayloads.Payload Payload);
}

using System.Security.Cryptography;
using Orleans.Storage;

namespace Dilemma.Tests.Storage;

/// <summary>
/// The real Orleans ADO.NET storage provider (MySqlConnector invariant) against our schema on real MariaDB.
/// Every test uses keys of its own, so the tests share one cluster.
/// </summary>
public sealed class GrainStorageContractTests(ProbeClusterFixture cluster) : IClassFixture<ProbeClusterFixture>
{
    private const string StateName = "probe";

    [Fact]
    public async Task State_written_is_read_back_by_a_new_cluster_with_the_same_service_id()
    {
        var ct = TestContext.Current.CancellationToken;
        var stringKey = UniqueKey("restart");
        var integerKey = Random.Shared.NextInt64(1, long.MaxValue);
        var guidKey = Guid.NewGuid();
        await cluster.Grains.GetGrain<IProbeStringGrain>(stringKey).WriteAsync("by string", ct);
        await cluster.Grains.GetGrain<IProbeIntegerCompoundGrain>(integerKey, "ext").WriteAsync("by integer and extension", ct);
        await cluster.Grains.GetGrain<IProbeGuidGrain>(guidKey).WriteAsync("by guid", ct);

        await cluster.RestartAsync(ct);

        Assert.Equal("by string", await cluster.Grains.GetGrain<IProbeStringGrain>(stringKey).ReloadAsync(ct));
        Assert.Equal("by integer and extension", await cluster.Grains.GetGrain<IProbeIntegerCompoundGrain>(integerKey, "ext").ReloadAsync(ct));
        Assert.Equal("by guid", await cluster.Grains.GetGrain<IProbeGuidGrain>(guidKey).ReloadAsync(ct));
    }

    [Fact]
    public async Task A_payload_larger_than_64_KiB_round_trips()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = UniqueKey("large");
        // Random text, so no layer can shrink it below the old BLOB limit by compressing.
        var value = Convert.ToBase64String(RandomNumberGenerator.GetBytes(225_000));
        var grain = cluster.Grains.GetGrain<IProbeStringGrain>(key);

        await grain.WriteAsync(value, ct);

        Assert.Equal(value, await grain.ReloadAsync(ct));
        Assert.True(await StorageRows.PayloadLengthAsync(cluster.ConnectionString, cluster.ServiceId, StateName, key, ct) > 300_000);
    }

    [Fact]
    public async Task String_keys_that_differ_only_in_letter_case_are_different_grains()
    {
        var ct = TestContext.Current.CancellationToken;
        var lower = UniqueKey("case") + "-key";
        var upper = lower[..^3] + "KEY";
        var lowerGrain = cluster.Grains.GetGrain<IProbeStringGrain>(lower);
        var upperGrain = cluster.Grains.GetGrain<IProbeStringGrain>(upper);

        await lowerGrain.WriteAsync("lower", ct);
        await upperGrain.WriteAsync("upper", ct);

        Assert.Equal("lower", await lowerGrain.ReloadAsync(ct));
        Assert.Equal("upper", await upperGrain.ReloadAsync(ct));
        Assert.Equal(1, await StorageRows.CountByExtensionAsync(cluster.ConnectionString, cluster.ServiceId, StateName, lower, ct));
        Assert.Equal(1, await StorageRows.CountByExtensionAsync(cluster.ConnectionString, cluster.ServiceId, StateName, upper, ct));
    }

    [Fact]
    public async Task Integer_and_guid_keys_with_and_without_an_extension_are_different_grains()
    {
        var ct = TestContext.Current.CancellationToken;
        var integerKey = Random.Shared.NextInt64(1, long.MaxValue);
        var guidKey = Guid.NewGuid();
        IProbeStateGrain[] grains =
        [
            cluster.Grains.GetGrain<IProbeIntegerGrain>(integerKey),
            cluster.Grains.GetGrain<IProbeIntegerCompoundGrain>(integerKey, "ext"),
            cluster.Grains.GetGrain<IProbeGuidGrain>(guidKey),
            cluster.Grains.GetGrain<IProbeGuidCompoundGrain>(guidKey, "ext"),
        ];

        for (var i = 0; i < grains.Length; i++)
        {
            await grains[i].WriteAsync($"value {i}", ct);
        }

        for (var i = 0; i < grains.Length; i++)
        {
            Assert.Equal($"value {i}", await grains[i].ReloadAsync(ct));
        }

        Assert.Equal(2, await StorageRows.CountByIntegerKeyAsync(cluster.ConnectionString, cluster.ServiceId, StateName, integerKey, ct));
    }

    [Fact]
    public async Task A_write_with_a_stale_etag_is_a_conflict_reaching_the_caller()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = UniqueKey("stale");
        var grain = cluster.Grains.GetGrain<IProbeStringGrain>(key);
        await grain.WriteAsync("first", ct);

        // Another activation (a silo that still believes it owns the grain) wrote in between.
        Assert.Equal(1, await StorageRows.BumpVersionAsync(cluster.ConnectionString, cluster.ServiceId, StateName, key, ct));

        await Assert.ThrowsAsync<InconsistentStateException>(() => grain.WriteAsync("lost", ct));

        // The conflict deactivated the activation; the next one reads the current version and may write again.
        Assert.Equal("first", await grain.ReloadAsync(ct));
        await grain.WriteAsync("second", ct);
        Assert.Equal("second", await grain.ReloadAsync(ct));
    }

    [Fact]
    public async Task Clearing_keeps_a_versioned_row_and_the_next_write_succeeds()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = UniqueKey("clear");
        var grain = cluster.Grains.GetGrain<IProbeStringGrain>(key);
        await grain.WriteAsync("before", ct);

        await grain.ClearAsync(ct);

        Assert.Equal(1, await StorageRows.CountByExtensionAsync(cluster.ConnectionString, cluster.ServiceId, StateName, key, ct));
        Assert.Equal(0, await StorageRows.PayloadLengthAsync(cluster.ConnectionString, cluster.ServiceId, StateName, key, ct));
        // No read in between: this write must succeed with the ETag that the clear returned.
        await grain.WriteAsync("after", ct);
        Assert.Equal("after", await grain.ReloadAsync(ct));
        await grain.ClearAsync(ct);
        Assert.Null(await grain.ReloadAsync(ct));
    }

    [Fact]
    public async Task Clearing_with_delete_state_on_clear_removes_the_row_and_the_next_write_inserts()
    {
        var ct = TestContext.Current.CancellationToken;
        var key = UniqueKey("delete");
        var grain = cluster.Grains.GetGrain<IDeletingProbeGrain>(key);
        await grain.WriteAsync("before", ct);

        await grain.ClearAsync(ct);

        Assert.Equal(0, await StorageRows.CountByExtensionAsync(cluster.ConnectionString, cluster.ServiceId, "probe-deleting", key, ct));
        Assert.Null(await grain.ReloadAsync(ct));
        await grain.WriteAsync("after", ct);
        Assert.Equal("after", await grain.ReloadAsync(ct));
        Assert.Equal(1, await StorageRows.CountByExtensionAsync(cluster.ConnectionString, cluster.ServiceId, "probe-deleting", key, ct));
    }

    // Letters outside a-f keep Orleans from reading the key as a hexadecimal integer key.
    private static string UniqueKey(string purpose) => $"{purpose}-{Guid.NewGuid():N}";
}

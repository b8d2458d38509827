using System.Runtime.InteropServices;
using Dilemma.Grains.Embedded;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;

namespace Dilemma.Tests.Hosting;

/// <summary>
/// Embedded mode's grain storage (issue 18, item 4), as the embedded gateway configures it: the same JSON serializer
/// as cluster mode, ETags checked as a database would, cleared states gone, and large payloads with the same
/// bytes held once. Keys of its own per test, so the tests share one gateway.
/// </summary>
public sealed class EmbeddedGrainStorageTests(EmbeddedGatewayFixture gateway) : IClassFixture<EmbeddedGatewayFixture>
{
    private const string StateName = "note";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private EmbeddedGrainStorage Storage => gateway.Factory.Services.GetRequiredService<EmbeddedGrainStorage>();

    [Fact]
    public async Task Rooms_started_on_one_scenario_hold_one_copy_of_its_snapshot()
    {
        var (_, first) = await RoomKit.StartedRoomAsync(gateway.Client, Ct);
        var (_, second) = await RoomKit.StartedRoomAsync(gateway.Client, Ct);

        var firstBytes = Storage.StoredBytes("room-scenario", RoomId(first));
        var secondBytes = Storage.StoredBytes("room-scenario", RoomId(second));

        Assert.NotNull(firstBytes);
        Assert.NotNull(secondBytes);
        Assert.True(firstBytes.Value.Length >= EmbeddedGrainStorage.SharedFromBytes, $"The scenario snapshot is {firstBytes.Value.Length} bytes, below the sharing size: this test no longer tests sharing.");
        Assert.Same(ArrayOf(firstBytes.Value), ArrayOf(secondBytes.Value));
    }

    [Fact]
    public async Task Equal_large_states_share_their_bytes_until_the_last_holder_clears_and_a_cleared_state_is_gone()
    {
        var note = new Note { Text = new string('x', EmbeddedGrainStorage.SharedFromBytes) + Guid.NewGuid() };
        var (one, other) = (NewGrainId(), NewGrainId());
        var oneState = new GrainState<Note>(new Note { Text = note.Text });
        var otherState = new GrainState<Note>(new Note { Text = note.Text });

        await Storage.WriteStateAsync(StateName, one, oneState);
        await Storage.WriteStateAsync(StateName, other, otherState);

        var bytes = Storage.StoredBytes(StateName, one)!.Value;
        Assert.Same(ArrayOf(bytes), ArrayOf(Storage.StoredBytes(StateName, other)!.Value));
        var read = new GrainState<Note>();
        await Storage.ReadStateAsync(StateName, one, read);
        Assert.Equal((note.Text, true, oneState.ETag), (read.State!.Text, read.RecordExists, read.ETag));

        await Storage.ClearStateAsync(StateName, one, oneState);
        Assert.Null(Storage.StoredBytes(StateName, one));
        Assert.True(Storage.HoldsShared(bytes), "The bytes went with their first holder while another still held them.");

        await Storage.ClearStateAsync(StateName, other, otherState);
        Assert.False(Storage.HoldsShared(bytes), "The bytes were kept after their last holder cleared.");
        var gone = new GrainState<Note>();
        await Storage.ReadStateAsync(StateName, other, gone);
        Assert.Equal((string.Empty, false, (string?)null), (gone.State!.Text, gone.RecordExists, gone.ETag));
    }

    [Fact]
    public async Task A_write_or_clear_naming_a_state_other_than_the_stored_one_is_refused_and_changes_nothing()
    {
        var grain = NewGrainId();
        var first = new GrainState<Note>(new Note { Text = "first" });
        await Storage.WriteStateAsync(StateName, grain, first);
        var staleETag = first.ETag;
        first.State!.Text = "second";
        await Storage.WriteStateAsync(StateName, grain, first);

        var stale = new GrainState<Note>(new Note { Text = "stale" }, staleETag);
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, stale));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(StateName, grain, stale));
        var unread = new GrainState<Note>(new Note { Text = "never read" });
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.WriteStateAsync(StateName, grain, unread));

        var read = new GrainState<Note>();
        await Storage.ReadStateAsync(StateName, grain, read);
        Assert.Equal(("second", first.ETag), (read.State!.Text, read.ETag));
    }

    private static GrainId NewGrainId() => GrainId.Create("storage-test", Guid.NewGuid().ToString("N"));

    private GrainId RoomId(string code) => ((GrainReference)(object)gateway.Grains.GetGrain<IRoomGrain>(code)).GrainId;

    private static byte[] ArrayOf(ReadOnlyMemory<byte> bytes) =>
        MemoryMarshal.TryGetArray(bytes, out var segment) ? segment.Array! : throw new InvalidOperationException("The stored bytes are not an array.");

    public sealed class Note
    {
        public string Text { get; set; } = string.Empty;
    }
}

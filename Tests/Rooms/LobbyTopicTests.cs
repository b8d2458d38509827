using System.Text.Json;
using Dilemma.Tests.Hosting;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// The lobby matches a topic exactly, as room creation does, in both modes: MySQL's case-insensitive collation once
/// listed a room under a topic spelt otherwise, where the embedded store did not.
/// </summary>
public abstract class LobbyTopicTests(HttpClient client)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_topic_spelt_in_another_case_lists_no_room()
    {
        var host = await RoomKit.GuestAsync(client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, topic: "medication-ai"));

        var exact = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync("/rooms?topic=medication-ai&page_size=100", Ct));
        var otherCase = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync("/rooms?topic=Medication-AI&page_size=100", Ct));

        Assert.Contains(code, exact.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("room_code").GetString()));
        Assert.Equal(0, otherCase.GetProperty("items").GetArrayLength());
        Assert.Equal(0, otherCase.GetProperty("total").GetInt64());
    }
}

public sealed class EmbeddedLobbyTopicTests(EmbeddedGatewayFixture gateway)
    : LobbyTopicTests(gateway.Client), IClassFixture<EmbeddedGatewayFixture>;

public sealed class ClusterLobbyTopicTests(ClusterGatewayFixture cluster)
    : LobbyTopicTests(cluster.Client), IClassFixture<ClusterGatewayFixture>;

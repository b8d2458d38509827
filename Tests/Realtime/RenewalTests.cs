using System.Net.WebSockets;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Dilemma.Tests.Sessions;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;

namespace Dilemma.Tests.Realtime;

/// <summary>
/// Socket registrations live only in grain memory, so every socket renews them: a room grain that lost them (deactivated,
/// or its silo gone) has them back within a renewal. A session grain that lost its monitors may have audited actions none
/// of them heard of, so there the renewal closes the monitor, and the console, connecting again, reads its log anew.
/// </summary>
public sealed class RenewalTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TimeSpan RenewalDeadline = TimeSpan.FromSeconds(20);

    [Fact]
    public async Task A_joined_socket_is_back_in_a_reactivated_room_after_its_next_renewal()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Realtime:RenewSeconds"] = "1" });
        var address = factory.StartKestrel();
        using var http = new HttpClient { BaseAddress = address };
        var (players, code) = await RoomKit.SeatedRoomAsync(http, Ct);
        var (a, _) = await RealtimeKit.JoinAsync(address, players[0], code, Ct);
        await using var _a = a;

        // The new activation starts with no sockets: only a's renewal can tell it a is there.
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        await grains.GetGrain<IRoomPresence>(code).Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);

        var deadline = DateTimeOffset.UtcNow + RenewalDeadline;
        while (true)
        {
            var (b, peers) = await RealtimeKit.JoinAsync(address, players[1], code, Ct);
            await b.DisposeAsync();
            if (Lists(peers, players[0].UserId))
            {
                break;
            }

            Assert.True(DateTimeOffset.UtcNow < deadline, $"The room did not list the joined socket again within {RenewalDeadline.TotalSeconds} s of renewals every second.");
            await Task.Delay(TimeSpan.FromMilliseconds(200), Ct);
        }
    }

    [Fact]
    public async Task A_session_monitor_its_session_forgot_is_closed_within_a_renewal_and_once_open_again_hears_the_next_action()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Realtime:RenewSeconds"] = "1" });
        var address = factory.StartKestrel();
        using var http = new HttpClient { BaseAddress = address };
        var grains = factory.Services.GetRequiredService<IGrainFactory>();
        var facilitator = await SessionKit.FacilitatorAsync(http, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        await SessionKit.EnrolledAsync(http, code, 3, Ct);
        await SessionKit.StartAsync(facilitator, code, Ct);
        var monitorPath = $"/ws/sessions/{code}/monitor?token={facilitator.Tokens.AccessToken}";
        await using var monitor = await SocketClient.ConnectAsync(address, monitorPath, Ct);
        await monitor.NextAsync("room_status", Ct);

        await grains.GetGrain<ISessionGrain>(code).Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);

        Assert.Equal((WebSocketCloseStatus)1013, await monitor.ClosedWithinAsync(RenewalDeadline, Ct));
        await using var again = await SocketClient.ConnectAsync(address, monitorPath, Ct);
        await again.NextAsync("room_status", Ct);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/broadcast", new { message = "Still here" }, Ct));
        Assert.Equal("broadcast", (await again.NextAsync("facilitator_action", Ct)).GetProperty("action").GetString());
    }

    private static bool Lists(JsonElement peers, long userId) =>
        peers.GetProperty("peers").EnumerateArray().Any(p => p.GetProperty("peer_id").GetInt64() == userId);
}

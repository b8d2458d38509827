using System.Net.WebSockets;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
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
        await MonitorOfAForgettingSessionAsync(address, factory.Services.GetRequiredService<IGrainFactory>());
    }

    [Fact]
    public async Task A_session_monitor_is_closed_4003_within_a_renewal_once_its_facilitator_role_is_taken_away()
    {
        await using var factory = new GatewayFactory(new Dictionary<string, string?> { ["Realtime:RenewSeconds"] = "1" });
        var address = factory.StartKestrel();
        await MonitorOfARevokedFacilitatorAsync(address, factory.Services.GetRequiredService<IGrainFactory>());
    }

    /// <summary>
    /// A monitor outlives the access token that let it in: the facilitator role written in that token is not enough once the
    /// account no longer holds it. The open monitor closes at its next renewal, and the same token opens none again.
    /// </summary>
    internal static async Task MonitorOfARevokedFacilitatorAsync(Uri address, IGrainFactory grains)
    {
        using var http = new HttpClient { BaseAddress = address };
        var (facilitator, _, monitorPath) = await StartedSessionAsync(http, grains);
        await using var monitor = await SocketClient.ConnectAsync(address, monitorPath, Ct);
        await monitor.NextAsync("room_status", Ct);

        await grains.GetGrain<IRoleOperatorProbeGrain>(0).RevokeAsync(facilitator.Tokens.Username, "facilitator");

        Assert.Equal((WebSocketCloseStatus)4003, await monitor.ClosedWithinAsync(RenewalDeadline, Ct));

        // The same token opens none again: refused before the upgrade, as anyone not the session's facilitator is.
        Assert.Equal(System.Net.HttpStatusCode.Forbidden, await SocketClient.RefusalAsync(address, monitorPath, Ct));
    }

    /// <summary>
    /// A console's monitor whose session grain is deactivated (its registrations gone with it) is closed with 1013 within
    /// a renewal, and a monitor opened again hears the session's next action.
    /// </summary>
    internal static async Task MonitorOfAForgettingSessionAsync(Uri address, IGrainFactory grains)
    {
        using var http = new HttpClient { BaseAddress = address };
        var (facilitator, code, monitorPath) = await StartedSessionAsync(http, grains);
        await using var monitor = await SocketClient.ConnectAsync(address, monitorPath, Ct);
        await monitor.NextAsync("room_status", Ct);

        await grains.GetGrain<ISessionGrain>(code).Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);

        Assert.Equal((WebSocketCloseStatus)1013, await monitor.ClosedWithinAsync(RenewalDeadline, Ct));
        await using var again = await SocketClient.ConnectAsync(address, monitorPath, Ct);
        await again.NextAsync("room_status", Ct);
        await HttpAssert.OkAsync<JsonElement>(await facilitator.PostAsync($"/sessions/{code}/broadcast", new { message = "Still here" }, Ct));
        Assert.Equal("broadcast", (await again.NextAsync("facilitator_action", Ct)).GetProperty("action").GetString());
    }

    /// <summary>A facilitator's session started with one room, and the path of its monitor under the facilitator's token.</summary>
    private static async Task<(Player Facilitator, string Code, string MonitorPath)> StartedSessionAsync(HttpClient http, IGrainFactory grains)
    {
        var facilitator = await SessionKit.FacilitatorAsync(http, grains, Ct);
        var code = SessionKit.Code(await SessionKit.CreateAsync(facilitator, Ct));
        await SessionKit.EnrolledAsync(http, code, 3, Ct);
        await SessionKit.StartAsync(facilitator, code, Ct);
        return (facilitator, code, $"/ws/sessions/{code}/monitor?token={facilitator.Tokens.AccessToken}");
    }

    private static bool Lists(JsonElement peers, long userId) =>
        peers.GetProperty("peers").EnumerateArray().Any(p => p.GetProperty("peer_id").GetInt64() == userId);
}

/// <summary>
/// The same in cluster mode: the session grain lives on a silo and the monitor's gateway is another process, so what the
/// session forgets is a reference to an observer across the wire, and its state is read back from MariaDB.
/// </summary>
public sealed class ClusterRenewalTests(LocalServices services)
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public Task A_session_monitor_its_session_forgot_on_a_silo_is_closed_within_a_renewal_and_once_open_again_hears_the_next_action() =>
        OnASiloAsync("renewal_monitor_", RenewalTests.MonitorOfAForgettingSessionAsync);

    [Fact]
    public Task A_session_monitor_is_closed_4003_within_a_renewal_once_its_facilitator_role_is_taken_away_on_a_silo() =>
        OnASiloAsync("renewal_revoked_", RenewalTests.MonitorOfARevokedFacilitatorAsync);

    /// <summary>Runs <paramref name="scenario"/> against a gateway renewing every second, in front of one silo of its own.</summary>
    private async Task OnASiloAsync(string databasePrefix, Func<Uri, IGrainFactory, Task> scenario)
    {
        await using var deployment = await ClusterDeployment.CreateAsync(services, databasePrefix, Ct);
        await deployment.StartSiloAsync(Ct);
        var gateway = deployment.CreateGateway(new Dictionary<string, string?> { ["Realtime:RenewSeconds"] = "1" });
        await scenario(gateway.StartKestrel(), gateway.Services.GetRequiredService<IGrainFactory>());
    }
}

using System.Net.WebSockets;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Dilemma.Tests.Realtime;

/// <summary>A gateway of its own, told to stop as a rolling upgrade or a scale-in would.</summary>
public sealed class GatewayStopTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Clients reconnect through another gateway at once, rather than when the shutdown timeout aborts their sockets.</summary>
    [Fact]
    public async Task A_stopping_gateway_closes_its_sockets_with_1012_at_once()
    {
        await using var gateway = new GatewayFactory();
        var address = gateway.StartKestrel();
        using var http = new HttpClient { BaseAddress = address };
        var (players, code) = await RoomKit.SeatedRoomAsync(http, Ct);
        var (signaling, _) = await RealtimeKit.JoinAsync(address, players[0], code, Ct);
        await using var _signaling = signaling;

        gateway.Services.GetRequiredService<IHostApplicationLifetime>().StopApplication();

        Assert.Equal((WebSocketCloseStatus)1012, await signaling.ClosedWithinAsync(TimeSpan.FromSeconds(10), Ct));
    }
}

using System.Net.WebSockets;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Infrastructure;
using Dilemma.Tests.Realtime;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Failover;

/// <summary>
/// A signaling socket's renewal is what registers it with the grains where they are activated now. One that fails
/// (here: the activations are collected, as when their silo is lost, and the database they would be read from again is
/// down) closes the socket with 1013 so that its client reconnects; the socket is not left open and registered nowhere.
/// Once the database is back the reconnect works. A MariaDB of this class's own, SIGKILLed.
/// </summary>
public sealed class RenewalOutageTests(LocalServices services)
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_signaling_socket_whose_renewal_fails_is_closed_with_1013_and_reconnects_once_the_database_is_back()
    {
        var directory = RunDirectory.Create();
        try
        {
            await using var mariaDb = await MariaDbServer.StartAsync(Path.Combine(directory, "mariadb"), Ct);
            await using var deployment = await ClusterDeployment.CreateAsync(mariaDb.RootConnectionString, await services.GetRedisConnectionStringAsync(Ct), "renewal_", Ct, migrate: true);
            await deployment.StartSiloAsync(Ct);
            var gateway = deployment.CreateGateway(new Dictionary<string, string?> { ["Realtime:RenewSeconds"] = "1" });
            var address = gateway.StartKestrel();
            using var http = new HttpClient { BaseAddress = address };
            var (players, code) = await RoomKit.StartedRoomAsync(http, Ct);
            var (signaling, _) = await RealtimeKit.JoinAsync(address, players[0], code, Ct);
            await using var _signaling = signaling;

            await mariaDb.KillAsync(Ct);
            await gateway.Services.GetRequiredService<IGrainFactory>().GetGrain<Orleans.Runtime.IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero, Ct);

            Assert.Equal((WebSocketCloseStatus)1013, await signaling.ClosedWithinAsync(Bound, Ct));

            // Back: the client's reconnect registers again (pooled connections to the killed server fail once each, so with a deadline).
            await mariaDb.StartAgainAsync(Ct);
            SocketClient? again = null;
            await Eventually.UntilAsync(
                async () =>
                {
                    try
                    {
                        again = (await RealtimeKit.JoinAsync(address, players[0], code, Ct)).Socket;
                        return true;
                    }
                    catch (Exception e) when (e is WebSocketException or InvalidOperationException or TimeoutException)
                    {
                        return false;
                    }
                },
                Bound,
                () => "a signaling socket to join again once MariaDB answered",
                Ct,
                TimeSpan.FromMilliseconds(200));
            await using var reconnected = again!;
            Assert.Equal(WebSocketState.Open, reconnected.State);
        }
        finally
        {
            RunDirectory.Delete(directory);
        }
    }
}

using System.Text.Json;
using Dilemma.Gateway.Hosting;
using Dilemma.Gateway.Realtime;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Core.Internal;

namespace Dilemma.Tests.Realtime;

/// <summary>
/// Socket registrations live only in grain memory, so every socket renews them: a room grain that lost them (deactivated,
/// or its silo gone) has them back within a renewal.
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

    [Theory]
    [InlineData(GatewayMode.Cluster, null, 20, 20)]
    [InlineData(GatewayMode.Embedded, null, 60, 20)]
    [InlineData(GatewayMode.Embedded, "5", 5, 5)]
    [InlineData(GatewayMode.Cluster, "45", 45, 20)]
    public void Sockets_renew_at_their_modes_default_unless_configured_and_monitors_at_least_as_often_as_in_a_cluster(
        GatewayMode mode, string? configured, int renewSeconds, int monitorSeconds)
    {
        // Embedded mode has no silo to lose without its sockets, so it renews only as often as the lease needs;
        // a monitor's renewal is also how soon it sees a late room, so it keeps the cluster's pace.
        var settings = configured is null ? [] : new Dictionary<string, string?> { ["Realtime:RenewSeconds"] = configured };
        var services = new ServiceCollection()
            .AddSingleton<IConfiguration>(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .AddRealtime(mode);
        using var provider = services.BuildServiceProvider();

        var options = provider.GetRequiredService<IOptions<RealtimeOptions>>().Value;

        Assert.Equal(renewSeconds, options.RenewSeconds);
        Assert.Equal(TimeSpan.FromSeconds(monitorSeconds), options.MonitorRenewal);
    }

    private static bool Lists(JsonElement peers, long userId) =>
        peers.GetProperty("peers").EnumerateArray().Any(p => p.GetProperty("peer_id").GetInt64() == userId);
}

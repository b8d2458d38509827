using System.Net;
using System.Text.Json;
using Dilemma.Grains.Accounts;
using Dilemma.Grains.Research;
using Dilemma.Tests.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Dilemma.Tests.Rooms;

/// <summary>
/// A bot seated in a call whose room write then failed is in the research rows (its seat, role, bot_joined, choice) but
/// not in the room, which comes back as last stored; the seating runs again and must take that bot, not record a second
/// one for the same seat. Embedded mode, its grain storage failing the one write the test arms.
/// </summary>
public sealed class ReplayedDropTests : IAsyncDisposable
{
    private readonly FailingRoomWrites _failing = new();
    private readonly GatewayFactory _gateway;
    private readonly HttpClient _http;

    public ReplayedDropTests()
    {
        _gateway = new GatewayFactory(services: s => _failing.AroundGameStorage(s));
        _http = _gateway.CreateClient();
    }

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// Under on_dropout: bot, a leaver's drop seats a bot in their role; that save fails and the retried leave drops them
    /// again. The export showed two bots in the role, the first with a round-1 choice the room never had.
    /// </summary>
    [Fact]
    public async Task A_drop_replayed_after_its_bot_seat_failed_to_save_seats_the_bot_already_recorded()
    {
        var (players, code) = await RoomKit.StartedRoomAsync(_http, Ct, onDropout: "bot");

        _failing.FailNext(code);
        using (var failed = await players[2].PostAsync($"/rooms/{code}/leave", null, Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        using (var retried = await players[2].PostAsync($"/rooms/{code}/leave", null, Ct))
        {
            Assert.Equal(HttpStatusCode.NoContent, retried.StatusCode);
        }

        var room = await RoomKit.WithBotChoicesAsync(players[0], code, 1, Ct);
        var bot = room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("is_bot").GetBoolean());
        var botId = bot.GetProperty("user_id").GetInt64();
        Assert.Equal(3, bot.GetProperty("role_id").GetInt32());
        Assert.Equal([(botId, (int?)3)], await RecordedBotSeatsAsync(code));
        Assert.Equal([botId], Research.RoomEvents(code).Where(e => e.EventType == RoomEventType.BotJoined).Select(e => e.UserId!.Value));

        // The game goes on with that bot: it chose in round 1 and chooses as round 2 opens, and so say the rows.
        for (var i = 0; i < 2; i++)
        {
            await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[i], code, 1, i, 3, Ct), HttpStatusCode.Created);
        }

        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ConsensusAsync(players[0], code, 1, 0, 4, Ct), HttpStatusCode.Created);
        room = await RoomKit.WithBotChoicesAsync(players[0], code, 2, Ct);
        var shown = room.GetProperty("bot_choices").EnumerateArray()
            .Select(c => (Round: c.GetProperty("round_number").GetInt32(), User: c.GetProperty("user_id").GetInt64(), Choice: c.GetProperty("choice").GetInt32()))
            .ToList();
        Assert.Equal([(1, botId), (2, botId)], shown.Select(c => (c.Round, c.User)));
        var recorded = Research.SnapshotRooms().Single(r => r.Record.RoomCode == code).Choices.Where(c => c.IsBot)
            .Select(c => (c.RoundNumber, c.UserId, c.Choice)).Order();
        Assert.Equal(shown.Select(c => (c.Round, c.User, c.Choice)).Order(), recorded);
        Assert.Equal([(botId, (int?)3)], await RecordedBotSeatsAsync(code));

        // The bot chose round 1 in the failed call and again in the retry: one AI interaction per choice the room kept.
        var interactions = Research.AiInteractions(code).Where(a => a.Kind == AiInteractionKind.BotChoice).Select(a => (a.UserId, a.RoundNumber));
        Assert.Equal([(botId, 1), (botId, 2)], interactions.Select(a => (a.UserId!.Value, a.RoundNumber!.Value)).Order());
    }

    /// <summary>The host's bots before the start: a retry after the save failed seats the bot recorded, not a second beside it.</summary>
    [Fact]
    public async Task Bots_added_again_after_their_save_failed_are_the_bots_already_recorded()
    {
        var host = await RoomKit.GuestAsync(_http, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        _failing.FailNext(code);
        using (var failed = await host.PostAsync($"/rooms/{code}/bots", new { bots = 1 }, Ct))
        {
            Assert.Equal(HttpStatusCode.InternalServerError, failed.StatusCode);
        }

        var room = await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{code}/bots", new { bots = 1 }, Ct));
        var botId = room.GetProperty("participants").EnumerateArray().Single(p => p.GetProperty("is_bot").GetBoolean()).GetProperty("user_id").GetInt64();
        Assert.Equal([(botId, (int?)null)], await RecordedBotSeatsAsync(code));
    }

    private InMemoryResearchStore Research => _gateway.Services.GetRequiredService<InMemoryResearchStore>();

    /// <summary>The room's seats in the research rows whose user is a bot, as the export reads them: (user, role).</summary>
    private async Task<List<(long UserId, int? RoleId)>> RecordedBotSeatsAsync(string code)
    {
        var accounts = _gateway.Services.GetRequiredService<InMemoryAccountStore>();
        var seats = new List<(long, int?)>();
        foreach (var seat in Research.SnapshotRooms().Single(r => r.Record.RoomCode == code).Seats)
        {
            if (await accounts.FindByIdAsync(seat.UserId, Ct) is { IsBot: true })
            {
                seats.Add((seat.UserId, seat.RoleId));
            }
        }

        return seats;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        await _gateway.DisposeAsync();
    }
}

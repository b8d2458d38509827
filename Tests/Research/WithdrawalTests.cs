using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Dilemma.Grains.Embedded;
using Dilemma.Grains.Interfaces.Errors;
using Dilemma.Grains.Interfaces.Realtime;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using Dilemma.Grains.Interfaces.Sessions;
using Dilemma.Grains.Research;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Accounts;
using Dilemma.Tests.Ai;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;
using Orleans.Core.Internal;

namespace Dilemma.Tests.Research;

/// <summary>
/// Withdrawal in both modes: signed in, and by the code shown at the end of a game. The rows are erased (counted in the
/// database before and after), the erasure ledger and the next manifest say so without saying who, and
/// <c>GET /auth/me/data</c>, which listed them before (a voice-link summary, the AI's questions and a facilitator's action about them too), shows nothing left.
/// </summary>
public abstract class WithdrawalTests(HttpClient client, IGrainFactory grains)
{
    private const string Erasures = "/research/experiments/erasures";

    // A session code for the facilitator actions written here: the audit keeps no session table to reference.
    private const string FacilitatorSession = "S7WDRAW";

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>
    /// The user's rows as stored: Rows in the tables erasure deletes from (seats, choices, room events about them, recording
    /// events, link-quality reports, AI interactions, facilitator actions about them), Linked the rows that point at them otherwise (consensus submitted,
    /// room events caused, withdrawal codes).
    /// </summary>
    protected abstract Task<(long Rows, long Linked)> RowsOfAsync(long userId);

    /// <summary>Writes a link-quality report through the research store the room grain writes with.</summary>
    protected abstract Task RecordLinkQualityAsync(ConnectionQualityRecord report);

    /// <summary>Writes a facilitator action through the audit store the session grain writes with.</summary>
    protected abstract Task RecordFacilitatorActionAsync(FacilitatorActionEntry action);

    /// <summary>The room's state as stored: its row in OrleansStorage (cluster mode), or embedded mode's in-process storage.</summary>
    protected abstract Task<string?> StoredRoomStateAsync(string code);

    [Fact]
    public async Task Withdrawal_from_the_account_erases_every_research_row_and_the_ledger_and_next_manifest_count_it()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await ConsentingGameAsync();
        var leaving = players[1];
        await LinkAndQuestionsAsync(leaving, players[0], code);

        // The other end of a link: the host's report of their link to the one leaving stays the host's, without whom.
        await RecordLinkQualityAsync(new ConnectionQualityRecord(code, players[0].UserId, leaving.UserId, 1, "connected", false, 8, 1, 100, 0, DateTime.UtcNow));

        // A facilitator's action about the one leaving, with the reason given, is about them and goes; the same
        // facilitator's action about the host is the host's and stays.
        await RecordFacilitatorActionAsync(new FacilitatorActionEntry(FacilitatorSession, researcher.UserId, "remove_participant", code, leaving.UserId, "kept talking over the others", DateTimeOffset.UtcNow));
        await RecordFacilitatorActionAsync(new FacilitatorActionEntry(FacilitatorSession, researcher.UserId, "remove_participant", code, players[0].UserId, "asked to leave", DateTimeOffset.UtcNow));

        // Not while the game can still write their rows.
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        await HttpAssert.ProblemAsync(await DeleteAsync(leaving), HttpStatusCode.Conflict, "game_in_progress");
        for (var round = 2; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        var before = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        Assert.Equal(3, before.Workbook.Records("participants").Count(r => (string)r["room_code"]! == code));
        var stored = await RowsOfAsync(leaving.UserId);
        Assert.Equal(14, stored.Rows); // one seat, five choices and their five submissions, one link report, one set of questions, one facilitator action
        Assert.Equal(1, stored.Linked); // the host's report of the link to them
        var held = (await HttpAssert.OkAsync<JsonElement>(await leaving.GetAsync("/auth/me/data", Ct))).GetProperty("research");
        Assert.Equal([1, 2, 3, 4, 5], held.GetProperty("choice_submissions").EnumerateArray().Select(c => c.GetProperty("round_number").GetInt32()));
        Assert.Equal(["kept talking over the others"], held.GetProperty("facilitator_actions").EnumerateArray().Select(a => a.GetProperty("reason").GetString()));
        var nickname = $"\"n{leaving.UserId}\"";
        Assert.Contains(nickname, await StoredRoomStateAsync(code), StringComparison.Ordinal);

        var erasure = await HttpAssert.OkAsync<JsonElement>(await DeleteAsync(leaving));
        Assert.Equal(stored.Rows, erasure.GetProperty("rows_erased").GetInt64());
        Assert.Equal((0L, 0L), await RowsOfAsync(leaving.UserId));
        await AssertNothingHeldAsync(leaving);
        var hostHeld = (await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync("/auth/me/data", Ct))).GetProperty("research");
        Assert.Single(hostHeld.GetProperty("connection_quality").EnumerateArray());
        Assert.Single(hostHeld.GetProperty("facilitator_actions").EnumerateArray());

        // The finished room's own state no longer holds their nickname or choices: the seat is there, empty.
        var view = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        var seat = Assert.Single(view.GetProperty("participants").EnumerateArray(), p => p.GetProperty("user_id").GetInt64() == leaving.UserId);
        Assert.Equal(string.Empty, seat.GetProperty("nickname").GetString());
        if (await StoredRoomStateAsync(code) is { } state)
        {
            Assert.DoesNotContain(nickname, state, StringComparison.Ordinal);
            Assert.DoesNotContain(ChoiceUsers(JsonDocument.Parse(state).RootElement), u => u == leaving.UserId);
            Assert.Contains(ChoiceUsers(JsonDocument.Parse(state).RootElement), u => u == players[0].UserId);
        }

        var ledger = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync(Erasures, Ct));
        var entry = ledger.GetProperty("items")[0];
        Assert.Equal(["id", "erased_at", "rows_erased", "kind"], entry.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("account", stored.Rows), (entry.GetProperty("kind").GetString(), entry.GetProperty("rows_erased").GetInt64()));

        // The next export: the rows are gone, and its manifest and ledger entry count one erasure more.
        var (after, response) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var rows = after.Records("participants").Where(r => (string)r["room_code"]! == code).ToList();
        Assert.Equal(2, rows.Count);
        Assert.DoesNotContain(rows, r => (double)r["user_id"]! == leaving.UserId);
        Assert.Equal((double)before.Workbook.Manifest["erasures"]! + 1, after.Manifest["erasures"]);
        Assert.Equal((double)before.Workbook.Manifest["erased_rows"]! + stored.Rows, after.Manifest["erased_rows"]);
        var exportEntry = await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync($"{ResearchKit.Ledger}/{Assert.Single(response.Headers.GetValues("X-Export-Id"))}", Ct));
        Assert.Equal((double)after.Manifest["erasures"]!, exportEntry.GetProperty("erasures").GetInt64());
        Assert.Equal((double)after.Manifest["erased_rows"]!, exportEntry.GetProperty("erased_rows").GetInt64());

        // Withdrawing again finds nothing more, and is still recorded as asked.
        Assert.Equal(0, (await HttpAssert.OkAsync<JsonElement>(await DeleteAsync(leaving))).GetProperty("rows_erased").GetInt64());

        // Consenting again brings back no remark made about them before: the export filters by consent as it is now. And the
        // facilitator withdrawing keeps the actions they took, the session's audit: the one about the host is still exported.
        await ResearchKit.ConsentAsync(leaving, data: true, Ct);
        Assert.Equal(0, (await HttpAssert.OkAsync<JsonElement>(await DeleteAsync(researcher))).GetProperty("rows_erased").GetInt64());
        var (again, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        Assert.Equal(
            [((double)researcher.UserId, (double)players[0].UserId)],
            again.Records("facilitator_actions").Where(r => (string)r["room_code"]! == code).Select(r => ((double)r["actor_id"]!, (double)r["user_id"]!)));
        await HttpAssert.ProblemAsync(await client.DeleteAsync("/auth/me/research-data", Ct), HttpStatusCode.Unauthorized, "missing_token");
    }

    /// <summary>
    /// A finished game took host hand-offs without end, each a new <c>host_changed</c> row (about a withdrawn player too, so
    /// their <c>GET /auth/me/data</c> listed it again), voice-link reports from and about a withdrawn player, their
    /// recording changes and the AI feedback they asked for.
    /// </summary>
    [Fact]
    public async Task After_a_withdrawal_the_finished_game_records_nothing_more_about_them()
    {
        var (players, code) = await ConsentingGameAsync();
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        var leaving = players[1];
        await HttpAssert.OkAsync<JsonElement>(await DeleteAsync(leaving));

        // The game is over: the host role is no longer handed on, to anyone.
        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/host", new { user_id = leaving.UserId }, Ct), HttpStatusCode.Conflict, "room_finished");
        await HttpAssert.ProblemAsync(await players[0].PostAsync($"/rooms/{code}/host", new { user_id = players[2].UserId }, Ct), HttpStatusCode.Conflict, "room_finished");

        // The last round's link reports come as the game ends: the withdrawn player's own is refused, and the host's link to
        // them is left out while the host's link to the one still in the study is kept. An earlier round's, after the end, is refused.
        var room = grains.GetGrain<IRoomPresence>(code);
        var refused = await Assert.ThrowsAsync<RuleViolationException>(() => room.RecordLinkQualityAsync(leaving.UserId, 5, [Link(players[0]), Link(players[2])], Ct));
        Assert.Equal("research_data_removed", refused.Code);
        await room.RecordLinkQualityAsync(players[0].UserId, 5, [Link(leaving), Link(players[2])], Ct);
        await room.RecordLinkQualityAsync(players[2].UserId, 5, [Link(leaving)], Ct);
        var late = await Assert.ThrowsAsync<RuleViolationException>(() => room.RecordLinkQualityAsync(players[2].UserId, 4, [Link(players[0])], Ct));
        Assert.Equal("wrong_round", late.Code);

        // Their voice consent outlived the withdrawal of their data, but a recording change would be a row naming them.
        await ResearchKit.ConsentAsync(leaving, data: false, Ct, voice: true);
        var recording = await Assert.ThrowsAsync<RuleViolationException>(() => room.SetRecordingAsync(leaving.UserId, recording: true, Ct));
        Assert.Equal("research_data_removed", recording.Code);

        // The game's AI feedback, which they may still read, is recorded without naming them.
        await HttpAssert.OkAsync<JsonElement>(await AiKit.FeedbackAsync(leaving, code, new { }, Ct));

        Assert.Equal((0L, 0L), await RowsOfAsync(leaving.UserId));
        await AssertNothingHeldAsync(leaving);
        var hostHeld = (await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync("/auth/me/data", Ct))).GetProperty("research");
        Assert.Equal(5, Assert.Single(hostHeld.GetProperty("connection_quality").EnumerateArray()).GetProperty("round_number").GetInt32());
        Assert.Empty((await HttpAssert.OkAsync<JsonElement>(await players[2].GetAsync("/auth/me/data", Ct))).GetProperty("research").GetProperty("connection_quality").EnumerateArray());
        var view = await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(players[0].UserId, view.GetProperty("host_user_id").GetInt64());
    }

    private static LinkQuality Link(Player peer) => new(peer.UserId, "connected", false, 20, 2, 500, 1);

    /// <summary>
    /// Every seat of a game erased still leaves its consensus rows (without who submitted them), and the rooms sheet counts
    /// them: it said 0 rounds completed beside two consensus rows, having learnt the count from the seats.
    /// </summary>
    [Fact]
    public async Task A_room_whose_every_seat_withdrew_still_counts_the_rounds_its_consensus_sheet_shows()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await ConsentingGameAsync();
        await RoomKit.PlayRoundAsync(players, code, 1, Ct);
        await RoomKit.PlayRoundAsync(players, code, 2, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/end", null, Ct));
        foreach (var player in players)
        {
            await HttpAssert.OkAsync<JsonElement>(await DeleteAsync(player));
        }

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var consensus = workbook.Records("consensus").Where(c => (string)c["room_code"]! == code).ToList();
        Assert.Equal(2, consensus.Count);
        Assert.All(consensus, c => Assert.Null(c["submitted_by"]));
        var room = Assert.Single(workbook.Records("rooms"), r => (string)r["room_code"]! == code);
        Assert.Equal((2d, 0d, 0d), ((double)room["rounds_completed"]!, (double)room["participants"]!, (double)room["participants_exported"]!));
    }

    [Fact]
    public async Task Withdrawal_by_the_code_shown_at_the_end_erases_the_rows_of_a_participant_without_their_token()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await ConsentingGameAsync();
        await LinkAndQuestionsAsync(players[0], players[2], code);
        await HttpAssert.ProblemAsync(await players[0].GetAsync($"/rooms/{code}/withdrawal-code", Ct), HttpStatusCode.Conflict, "room_not_finished");
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        // The host: the consensus rows they submitted are the room's and stay, without the link to them.
        var host = players[0];
        var withdrawal = await CodeAsync(host, code);
        Assert.Matches("^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){5}$", withdrawal);
        Assert.Equal(withdrawal, await CodeAsync(host, code));
        Assert.NotEqual(withdrawal, await CodeAsync(players[2], code));
        var stranger = await RoomKit.GuestAsync(client, Ct);
        await HttpAssert.ProblemAsync(await stranger.GetAsync($"/rooms/{code}/withdrawal-code", Ct), HttpStatusCode.NotFound, "room_not_found");

        var malformed = await HttpAssert.ProblemAsync(await client.PostJsonAsync("/research/withdrawals", new { code = "not-a-code" }, Ct), HttpStatusCode.UnprocessableEntity, "invalid_withdrawal_code");
        Assert.Equal("code", malformed.GetProperty("field").GetString());
        var unknown = string.Concat(withdrawal.Select(c => c == '-' ? c : c == '0' ? '1' : '0'));
        var notFound = await HttpAssert.ProblemAsync(await client.PostJsonAsync("/research/withdrawals", new { code = unknown }, Ct), HttpStatusCode.NotFound, "withdrawal_code_not_found");
        Assert.Equal("code", notFound.GetProperty("field").GetString());

        var stored = await RowsOfAsync(host.UserId);
        Assert.Equal(13, stored.Rows);
        Assert.Equal(6, stored.Linked); // five consensus rows and the code

        // Typed by hand, without a token: lower case, spaces for dashes.
        var typed = withdrawal.ToLowerInvariant().Replace('-', ' ');
        var erasure = await HttpAssert.OkAsync<JsonElement>(await client.PostJsonAsync("/research/withdrawals", new { code = typed }, Ct));
        Assert.Equal(stored.Rows, erasure.GetProperty("rows_erased").GetInt64());
        Assert.Equal((0L, 0L), await RowsOfAsync(host.UserId));
        await AssertNothingHeldAsync(host);
        await HttpAssert.ProblemAsync(await client.PostJsonAsync("/research/withdrawals", new { code = withdrawal }, Ct), HttpStatusCode.NotFound, "withdrawal_code_not_found");

        var entry = (await HttpAssert.OkAsync<JsonElement>(await researcher.GetAsync(Erasures, Ct))).GetProperty("items")[0];
        Assert.Equal(("withdrawal_code", stored.Rows), (entry.GetProperty("kind").GetString(), entry.GetProperty("rows_erased").GetInt64()));

        // The room keeps its five consensus rounds; the host is no longer among its participants.
        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var room = Assert.Single(workbook.Records("rooms"), r => (string)r["room_code"]! == code);
        Assert.Equal((5.0, 2.0), ((double)room["rounds_completed"]!, (double)room["participants"]!));
        Assert.DoesNotContain(workbook.Records("participants"), r => (double)r["user_id"]! == host.UserId);
        Assert.Equal(2, workbook.Records("participants").Count(r => (string)r["room_code"]! == code && r["round_5_consensus_choice"] is 0.0));
    }

    [Fact]
    public async Task The_room_stores_no_withdrawal_code_yet_shows_the_same_one_again_and_it_withdraws()
    {
        var (players, code) = await ConsentingGameAsync();
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        var leaving = players[1];
        var withdrawal = await CodeAsync(leaving, code);
        Assert.Equal(withdrawal, await CodeAsync(leaving, code));

        // Whoever can read the grain storage (or its backups) must not find a code there, in any form it can be typed.
        AssertHoldsNoCode(await StoredRoomStateAsync(code), withdrawal);

        // A new activation, reading only that state, still shows the same code.
        await grains.GetGrain<IRoomGame>(code).Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        Assert.Equal(withdrawal, await CodeAsync(leaving, code));
        AssertHoldsNoCode(await StoredRoomStateAsync(code), withdrawal);

        var stored = await RowsOfAsync(leaving.UserId);
        var erasure = await HttpAssert.OkAsync<JsonElement>(await client.PostJsonAsync("/research/withdrawals", new { code = withdrawal }, Ct));
        Assert.Equal(stored.Rows, erasure.GetProperty("rows_erased").GetInt64());
        Assert.Equal((0L, 0L), await RowsOfAsync(leaving.UserId));

        // Asked again after the withdrawal, the end screen still shows the code it showed, now spent.
        Assert.Equal(withdrawal, await CodeAsync(leaving, code));
        await HttpAssert.ProblemAsync(await client.PostJsonAsync("/research/withdrawals", new { code = withdrawal }, Ct), HttpStatusCode.NotFound, "withdrawal_code_not_found");
    }

    /// <summary>The stored state holds the code neither as shown nor as it would be typed (no dashes, any case).</summary>
    protected static void AssertHoldsNoCode(string? state, string withdrawal)
    {
        Assert.NotNull(state);
        var compact = withdrawal.Replace("-", string.Empty, StringComparison.Ordinal);
        Assert.DoesNotContain(withdrawal, state, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(compact, state.Replace("-", string.Empty, StringComparison.Ordinal), StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Three consenting guests in a started room (round 1 open); players[0] hosts.</summary>
    private async Task<(Player[] Players, string Code)> ConsentingGameAsync()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(client, Ct);
        foreach (var player in players)
        {
            await ResearchKit.ConsentAsync(player, data: true, Ct);
        }

        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        return (players, code);
    }

    /// <summary>
    /// In round 1: a report of <paramref name="player"/>'s link to <paramref name="peer"/>, and the AI's questions asked for
    /// (the offline provider); <c>GET /auth/me/data</c> lists both, as stored and as the API answered.
    /// </summary>
    private async Task LinkAndQuestionsAsync(Player player, Player peer, string code)
    {
        await RecordLinkQualityAsync(new ConnectionQualityRecord(code, player.UserId, peer.UserId, 1, "connected", true, 12.5, 3.25, 4810, 7, DateTime.UtcNow));
        var ai = (await HttpAssert.OkAsync<JsonElement>(await AiKit.QuestionsAsync(player, code, Ct))).GetProperty("ai");

        var research = (await HttpAssert.OkAsync<JsonElement>(await player.GetAsync("/auth/me/data", Ct))).GetProperty("research");
        var link = Assert.Single(research.GetProperty("connection_quality").EnumerateArray());
        Assert.Equal((code, 1, "connected", true, 12.5, 3.25, 4810L, 7L), (
            link.GetProperty("room_code").GetString(),
            link.GetProperty("round_number").GetInt32(),
            link.GetProperty("connection_state").GetString(),
            link.GetProperty("relayed").GetBoolean(),
            link.GetProperty("round_trip_ms").GetDouble(),
            link.GetProperty("jitter_ms").GetDouble(),
            link.GetProperty("packets_received").GetInt64(),
            link.GetProperty("packets_lost").GetInt64()));
        Assert.False(link.TryGetProperty("peer_user_id", out _));
        var question = Assert.Single(research.GetProperty("ai_interactions").EnumerateArray());
        Assert.Equal((code, "question", 1), (question.GetProperty("room_code").GetString(), question.GetProperty("kind").GetString(), question.GetProperty("round_number").GetInt32()));
        foreach (var field in new[] { "provider", "model", "prompt_version", "fallback_reason" })
        {
            Assert.Equal(ai.GetProperty(field).GetString(), question.GetProperty(field).GetString());
        }

        Assert.Equal(ai.GetProperty("fell_back").GetBoolean(), question.GetProperty("fell_back").GetBoolean());
    }

    private static async Task AssertNothingHeldAsync(Player player)
    {
        var held = await HttpAssert.OkAsync<JsonElement>(await player.GetAsync("/auth/me/data", Ct));
        var research = held.GetProperty("research");
        foreach (var list in new[] { "seats", "choices", "choice_submissions", "consensus_submitted", "recording_events", "connection_quality", "ai_interactions", "room_events", "facilitator_actions" })
        {
            Assert.Empty(research.GetProperty(list).EnumerateArray());
        }

        // Withdrawing the data withdrew the consent to it, and that decision is on record.
        Assert.False(held.GetProperty("user").GetProperty("data_consent").GetBoolean());
        Assert.False(held.GetProperty("consents").EnumerateArray().Last(c => c.GetProperty("kind").GetString() == "data").GetProperty("granted").GetBoolean());
    }

    /// <summary>The user ids of every choice in a stored room state (its rounds' choices), whatever the casing of the stored names.</summary>
    private static IEnumerable<long> ChoiceUsers(JsonElement state) =>
        from round in Property(state, "Rounds").EnumerateArray()
        from choice in Property(round, "Choices").EnumerateArray()
        select Property(choice, "UserId").GetInt64();

    private static JsonElement Property(JsonElement element, string name) =>
        element.EnumerateObject().Single(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase)).Value;

    private static async Task<string> CodeAsync(Player player, string room) =>
        (await HttpAssert.OkAsync<JsonElement>(await player.GetAsync($"/rooms/{room}/withdrawal-code", Ct))).GetProperty("withdrawal_code").GetString()!;

    private Task<HttpResponseMessage> DeleteAsync(Player player) =>
        client.SendAsync(AuthClient.Authorized(HttpMethod.Delete, "/auth/me/research-data", player.Tokens.AccessToken), Ct);
}

public sealed class ClusterWithdrawalTests(ClusterGatewayFixture cluster)
    : WithdrawalTests(cluster.Client, cluster.Grains), IClassFixture<ClusterGatewayFixture>
{
    [Fact]
    public async Task A_code_stored_in_plain_by_an_earlier_version_is_dropped_from_the_state_and_still_withdraws()
    {
        var (players, code) = await RoomKit.SeatedRoomAsync(cluster.Client, Ct);
        await HttpAssert.OkAsync<JsonElement>(await players[0].PostAsync($"/rooms/{code}/start", null, Ct));
        for (var round = 1; round <= 5; round++)
        {
            await RoomKit.PlayRoundAsync(players, code, round, Ct);
        }

        // What the earlier version left: a random code, its hash in withdrawal_codes and the code itself in the seat's state.
        var leaving = players[1];
        var legacy = WithdrawalCodes.Derive(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32), code, leaving.UserId);
        await cluster.Grains.GetGrain<IRoomGame>(code).Cast<IGrainManagementExtension>().DeactivateOnIdle(Ct);
        await using (var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString))
        {
            await connection.ExecuteAsync(
                "INSERT INTO withdrawal_codes (code_sha256, room_code, user_id, issued_at) VALUES (@hash, @code, @userId, UTC_TIMESTAMP(6))",
                new { hash = WithdrawalCodes.Hash(legacy), code, userId = leaving.UserId });
            var state = JsonNode.Parse((await StoredRoomStateAsync(code))!)!.AsObject();
            var seat = Named(state, "Participants").AsArray().Single(p => Named(p!.AsObject(), "UserId").GetValue<long>() == leaving.UserId)!.AsObject();
            seat["WithdrawalCode"] = legacy;
            Assert.Equal(1, await connection.ExecuteAsync(
                "UPDATE OrleansStorage SET PayloadBinary = @planted WHERE GrainTypeString = 'room' AND PayloadBinary LIKE CONCAT('%\"', @code, '\"%')",
                new { planted = Encoding.UTF8.GetBytes(state.ToJsonString()), code }));
        }

        Assert.Contains(legacy, await StoredRoomStateAsync(code), StringComparison.Ordinal);

        // Any call activates the room, and activation drops the code from storage.
        await HttpAssert.OkAsync<JsonElement>(await players[0].GetAsync($"/rooms/{code}", Ct));
        AssertHoldsNoCode(await StoredRoomStateAsync(code), legacy);

        // The end screen now shows the derived code, kept nowhere either; the code shown before still withdraws.
        var derived = (await HttpAssert.OkAsync<JsonElement>(await leaving.GetAsync($"/rooms/{code}/withdrawal-code", Ct))).GetProperty("withdrawal_code").GetString()!;
        Assert.NotEqual(legacy, derived);
        AssertHoldsNoCode(await StoredRoomStateAsync(code), derived);
        await HttpAssert.OkAsync<JsonElement>(await cluster.Client.PostJsonAsync("/research/withdrawals", new { code = legacy }, Ct));
        Assert.Equal((0L, 0L), await RowsOfAsync(leaving.UserId));
        await HttpAssert.ProblemAsync(await cluster.Client.PostJsonAsync("/research/withdrawals", new { code = derived }, Ct), HttpStatusCode.NotFound, "withdrawal_code_not_found");
    }

    private static JsonNode Named(JsonObject node, string name) =>
        node.Single(p => string.Equals(p.Key, name, StringComparison.OrdinalIgnoreCase)).Value!;

    protected override async Task<(long Rows, long Linked)> RowsOfAsync(long userId)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        return await connection.QuerySingleAsync<(long, long)>(
            """
            SELECT (SELECT COUNT(*) FROM room_participants WHERE user_id = @userId) + (SELECT COUNT(*) FROM round_choices WHERE user_id = @userId)
                     + (SELECT COUNT(*) FROM room_events WHERE user_id = @userId) + (SELECT COUNT(*) FROM recording_events WHERE user_id = @userId)
                     + (SELECT COUNT(*) FROM connection_quality WHERE user_id = @userId) + (SELECT COUNT(*) FROM ai_interactions WHERE user_id = @userId)
                     + (SELECT COUNT(*) FROM round_choice_submissions WHERE user_id = @userId) + (SELECT COUNT(*) FROM facilitator_actions WHERE user_id = @userId),
                   (SELECT COUNT(*) FROM consensus_choices WHERE submitted_by = @userId) + (SELECT COUNT(*) FROM room_events WHERE actor_id = @userId)
                     + (SELECT COUNT(*) FROM withdrawal_codes WHERE user_id = @userId) + (SELECT COUNT(*) FROM connection_quality WHERE peer_user_id = @userId)
            """,
            new { userId });
    }

    protected override async Task RecordLinkQualityAsync(ConnectionQualityRecord report)
    {
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        await new MySqlResearchStore(dataSource, groupCommit).RecordConnectionQualityAsync([report], Ct);
    }

    protected override async Task RecordFacilitatorActionAsync(FacilitatorActionEntry action)
    {
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await new MySqlFacilitatorActionStore(dataSource).RecordAsync(action, Ct);
    }

    protected override async Task<string?> StoredRoomStateAsync(string code)
    {
        await using var connection = new MySqlConnection(cluster.Deployment.MySqlConnectionString);
        var payloads = await connection.QueryAsync<byte[]>(
            "SELECT PayloadBinary FROM OrleansStorage WHERE GrainTypeString = 'room' AND PayloadBinary LIKE CONCAT('%\"', @code, '\"%')", new { code });
        return Assert.Single(payloads.Select(p => System.Text.Encoding.UTF8.GetString(p)), p => JsonDocument.Parse(p).RootElement.EnumerateObject()
            .Any(e => string.Equals(e.Name, "Code", StringComparison.OrdinalIgnoreCase) && e.Value.GetString() == code));
    }
}

public sealed class EmbeddedWithdrawalTests(EmbeddedGatewayFixture gateway)
    : WithdrawalTests(gateway.Client, gateway.Grains), IClassFixture<EmbeddedGatewayFixture>
{
    protected override Task<(long Rows, long Linked)> RowsOfAsync(long userId) =>
        Task.FromResult(gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().RowsOf(userId));

    protected override Task RecordLinkQualityAsync(ConnectionQualityRecord report) =>
        gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>().RecordConnectionQualityAsync([report], Ct);

    protected override Task RecordFacilitatorActionAsync(FacilitatorActionEntry action) =>
        gateway.Factory.Services.GetRequiredService<InMemoryFacilitatorActionStore>().RecordAsync(action, Ct);

    protected override Task<string?> StoredRoomStateAsync(string code)
    {
        var room = ((GrainReference)(object)gateway.Grains.GetGrain<IRoomGame>(code)).GrainId;
        var bytes = gateway.Factory.Services.GetRequiredService<EmbeddedGrainStorage>().StoredBytes("room", room);
        return Task.FromResult(bytes is { } stored ? Encoding.UTF8.GetString(stored.Span) : null);
    }
}

using System.Globalization;
using System.Net;
using System.Text.Json;
using Dilemma.Grains.Interfaces.Scenarios;
using Dilemma.Grains.Research;
using Dilemma.Grains.Scenarios;
using Dilemma.Grains.Storage;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Dilemma.Tests.Research;

/// <summary>
/// What each participant was shown, in both modes: the wording of the scenario a room played, recorded when the room was
/// created and exported with its hash (whatever the bank of the exporting build now says), and the language the deciding
/// page showed a round in, recorded with each choice and consensus, exported and in the participant's own data.
/// </summary>
public abstract class StimulusProvenanceTests(HttpClient client, IGrainFactory grains)
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Runs <paramref name="write"/> against the mode's research store, as the silo's would.</summary>
    protected abstract Task WithStoreAsync(Func<IResearchStore, Task> write);

    [Fact]
    public async Task A_room_on_a_bank_scenario_records_the_text_it_played_and_the_export_gives_that_text_with_its_hash()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var host = await RoomKit.GuestAsync(client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var room = Assert.Single(workbook.Records("rooms"), r => (string)r["room_code"]! == code);
        var scenarioId = (string)room["scenario_id"]!;
        var bank = ScenarioBank.LoadEmbedded().FindById(scenarioId)!;
        var played = ScenarioText.Of(bank);
        Assert.Equal(played.Sha256, room["scenario_sha256"]);
        Assert.Matches("^[0-9a-f]{64}$", played.Sha256);

        var rows = Wording(workbook, scenarioId, played.Sha256);
        Assert.Equal(bank.Title.En, Title(rows)["text_en"]);
        Assert.Equal(bank.Title.Ko, Title(rows)["text_ko"]);
        Assert.Equal(2 + bank.Rounds.Sum(r => 2 + r.Options.Count + (2 * r.RoleContexts.Count)), rows.Count);
    }

    [Fact]
    public async Task A_recorded_wording_unlike_the_current_bank_is_what_the_scenarios_sheet_gives_the_room_that_played_it()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var host = await RoomKit.GuestAsync(client, Ct);
        var current = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct));
        var bank = ScenarioBank.LoadEmbedded().FindByTopic(RoomKit.Topic)!;

        // The bank as an older build had it: another title. Its room names that wording, not this build's.
        var marker = Guid.NewGuid().ToString("N")[..8];
        var older = ScenarioText.Of(bank with { Title = new LocalizedText("옛 제목 " + marker, "Older title " + marker) });
        var olderRoom = await RecordOlderRoomAsync(host.UserId, bank, older);

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var rooms = workbook.Records("rooms");
        Assert.Equal(older.Sha256, Assert.Single(rooms, r => (string)r["room_code"]! == olderRoom)["scenario_sha256"]);
        var currentHash = (string)Assert.Single(rooms, r => (string)r["room_code"]! == current)["scenario_sha256"]!;
        Assert.NotEqual(older.Sha256, currentHash);

        // One row set per wording of the same scenario id, each naming its hash.
        Assert.Equal("Older title " + marker, Title(Wording(workbook, bank.Id, older.Sha256))["text_en"]);
        Assert.Equal("옛 제목 " + marker, Title(Wording(workbook, bank.Id, older.Sha256))["text_ko"]);
        Assert.Equal(bank.Title.En, Title(Wording(workbook, bank.Id, currentHash))["text_en"]);
    }

    [Fact]
    public async Task A_room_from_before_wordings_were_recorded_exports_this_builds_bank_text_with_an_empty_hash()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var bank = ScenarioBank.LoadEmbedded().FindByTopic(RoomKit.Topic)!;
        var code = await RecordOlderRoomAsync(researcher.UserId, bank, text: null);

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        Assert.Null(Assert.Single(workbook.Records("rooms"), r => (string)r["room_code"]! == code)["scenario_sha256"]);
        var rows = Wording(workbook, bank.Id, sha256: null);
        Assert.Equal(bank.Title.En, Title(rows)["text_en"]);
        var codebook = workbook.Records("codebook");
        var meaning = (string)Assert.Single(codebook, c => (string)c["sheet"]! == "scenarios" && (string)c["column"]! == "text_sha256")["meaning"]!;
        Assert.Contains("bank built into the version doing the export", meaning, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_language_a_decision_was_sent_in_is_exported_and_in_the_participants_own_data_and_empty_when_not_sent()
    {
        var since = DateTimeOffset.UtcNow;
        var researcher = await ResearchKit.ResearcherAsync(client, grains, Ct);
        var (players, code) = await RoomKit.StartedRoomAsync(client, Ct);
        foreach (var player in players)
        {
            await ResearchKit.ConsentAsync(player, data: true, Ct);
        }

        var refused = await Choose(players[2], code, "fr");
        var problem = await HttpAssert.ProblemAsync(refused, HttpStatusCode.UnprocessableEntity, "invalid_field");
        Assert.Equal("language", problem.GetProperty("field").GetString());
        await HttpAssert.OkAsync<JsonElement>(await Choose(players[0], code, "en"), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[1], code, 1, 0, 3, Ct), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await Choose(players[2], code, "ko"), HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(
            await players[0].PostAsync($"/rooms/{code}/consensus-choice", new { round_number = 1, choice = 1, confidence = 4, language = "en" }, Ct),
            HttpStatusCode.Created);
        await HttpAssert.OkAsync<JsonElement>(await RoomKit.ChooseAsync(players[0], code, 2, 1, 3, Ct), HttpStatusCode.Created);

        var (workbook, _) = await ResearchKit.DownloadAsync(researcher, $"from={ResearchKit.Query(since)}", Ct);
        var decisions = workbook.Records("decisions").Where(d => (string)d["room_code"]! == code && (string)d["status"]! == "chosen")
            .ToDictionary(d => ((long)(double)d["user_id"]!, (int)(double)d["round"]!), d => (string?)d["language"]);
        Assert.Equal(4, decisions.Count);
        Assert.Equal("en", decisions[(players[0].UserId, 1)]);
        Assert.Null(decisions[(players[1].UserId, 1)]);
        Assert.Equal("ko", decisions[(players[2].UserId, 1)]);
        Assert.Null(decisions[(players[0].UserId, 2)]);
        Assert.Equal("en", Assert.Single(workbook.Records("consensus"), c => (string)c["room_code"]! == code)["language"]);
        Assert.Equal(
            [("decisions, consensus", "ko"), ("decisions, consensus", "en"), ("decisions, consensus", "(empty cell)")],
            workbook.Records("codebook").Where(c => (string)c["column"]! == "language" && c["code"] is not null).Select(c => ((string)c["sheet"]!, (string)c["code"]!)));

        // What the participant is shown of their own data agrees with the export.
        var host = await HeldAsync(players[0]);
        Assert.Equal(["en", null], host.GetProperty("choice_submissions").EnumerateArray().Select(c => c.GetProperty("language").GetString()));
        Assert.Equal(["en", null], host.GetProperty("choices").EnumerateArray().Select(c => c.GetProperty("language").GetString()));
        Assert.Equal("en", Assert.Single(host.GetProperty("consensus_submitted").EnumerateArray()).GetProperty("language").GetString());
        var silent = await HeldAsync(players[1]);
        Assert.Null(Assert.Single(silent.GetProperty("choice_submissions").EnumerateArray()).GetProperty("language").GetString());
        Assert.Equal("ko", Assert.Single((await HeldAsync(players[2])).GetProperty("choice_submissions").EnumerateArray()).GetProperty("language").GetString());
    }

    private static Task<HttpResponseMessage> Choose(Player player, string code, string language) =>
        player.PostAsync($"/rooms/{code}/round-choice", new { round_number = 1, choice = 1, confidence = 3, language }, Ct);

    private static async Task<JsonElement> HeldAsync(Player player) =>
        (await HttpAssert.OkAsync<JsonElement>(await player.GetAsync("/auth/me/data", Ct))).GetProperty("research");

    private async Task<string> RecordOlderRoomAsync(long hostUserId, Scenario scenario, ScenarioText? text)
    {
        // A code no room has: the API's rooms take random six-digit codes too, and a clash is retried here.
        for (var attempt = 0; ; attempt++)
        {
            var code = Random.Shared.Next(100_000, 1_000_000).ToString(CultureInfo.InvariantCulture);
            var recorded = false;
            var room = new RoomRecord(code, "Older room", scenario.Topic, false, hostUserId, scenario.Id, DateTime.UtcNow, ScenarioSha256: text?.Sha256);

            // As an older build would have written it: the text first (if that build recorded texts at all), then the room.
            await WithStoreAsync(async store =>
            {
                if (text is not null)
                {
                    await store.RecordScenarioTextAsync(text, room.CreatedAt, Ct);
                }

                recorded = await store.TryRecordRoomAsync(room, Ct);
            });
            if (recorded)
            {
                return code;
            }

            Assert.True(attempt < 5, "No free room code in six draws.");
        }
    }

    /// <summary>The scenarios sheet's rows of one wording (null: the rows of rooms with no recorded wording).</summary>
    private static List<Dictionary<string, object?>> Wording(Workbook workbook, string scenarioId, string? sha256)
    {
        var rows = workbook.Records("scenarios").Where(r => (string)r["scenario_id"]! == scenarioId && (string?)r["text_sha256"] == sha256).ToList();
        Assert.NotEmpty(rows);
        return rows;
    }

    private static Dictionary<string, object?> Title(List<Dictionary<string, object?>> rows) => Assert.Single(rows, r => (string)r["part"]! == "title");
}

public sealed class ClusterStimulusProvenanceTests(ClusterGatewayFixture cluster)
    : StimulusProvenanceTests(cluster.Client, cluster.Grains), IClassFixture<ClusterGatewayFixture>
{
    protected override async Task WithStoreAsync(Func<IResearchStore, Task> write)
    {
        await using var dataSource = new MySqlDataSource(cluster.Deployment.MySqlConnectionString);
        await using var groupCommit = new MySqlGroupCommit(dataSource);
        await write(new MySqlResearchStore(dataSource, groupCommit));
    }
}

public sealed class EmbeddedStimulusProvenanceTests(EmbeddedGatewayFixture gateway)
    : StimulusProvenanceTests(gateway.Client, gateway.Grains), IClassFixture<EmbeddedGatewayFixture>
{
    protected override Task WithStoreAsync(Func<IResearchStore, Task> write) => write(gateway.Factory.Services.GetRequiredService<InMemoryResearchStore>());
}

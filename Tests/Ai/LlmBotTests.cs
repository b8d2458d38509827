using System.Net;
using System.Text.Json;
using Dilemma.Grains.Ai;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using Microsoft.AspNetCore.Http;

namespace Dilemma.Tests.Ai;

/// <summary>
/// Bot seats with an LLM provider, against the fake OpenAI-compatible server: the bot's choice and
/// its one-sentence reason come from the model and are shown to the others; a model that answers
/// badly leaves the choice to the seeded rule, and the room says so.
/// </summary>
public sealed class LlmBotTests(OpenAiGatewayFixture fixture) : IClassFixture<OpenAiGatewayFixture>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private FakeOpenAiServer Server => fixture.Server;

    [Fact]
    public async Task A_bots_choice_and_reason_come_from_the_model_and_the_others_see_them_but_never_a_persons_choice()
    {
        var (host, code, bots) = await StartedWithTwoBotsAsync();
        Assert.Equal(HttpStatusCode.Created, (await RoomKit.ChooseAsync(host, code, 1, 0, 3, Ct)).StatusCode);

        var room = await RoomKit.WithBotChoicesAsync(host, code, bots.Count, Ct);
        var shown = room.GetProperty("bot_choices").EnumerateArray().ToList();
        Assert.Equal(bots.Select(b => b.Id).Order(), shown.Select(c => c.GetProperty("user_id").GetInt64()).Order());
        Assert.All(shown, c =>
        {
            Assert.Equal(1, c.GetProperty("round_number").GetInt32());
            Assert.Equal(ModelAnswers.BotChoiceOption, c.GetProperty("choice").GetInt32());
            Assert.Equal(ModelAnswers.BotConfidence, c.GetProperty("confidence").GetInt32());
            Assert.Equal(ModelAnswers.BotReason, c.GetProperty("reason").GetString());
            Assert.Equal("openai", c.GetProperty("provider").GetString());
            Assert.Equal(JsonValueKind.Null, c.GetProperty("fallback_reason").ValueKind);
        });

        // The host's own choice is in, and still only who chose is shown, never what.
        Assert.Contains(host.UserId, room.GetProperty("chosen_this_round").EnumerateArray().Select(e => e.GetInt64()));
        Assert.DoesNotContain(shown, c => c.GetProperty("user_id").GetInt64() == host.UserId);

        // Each bot's request carried its own role and the round's dilemma.
        var asked = Server.Requests.Where(r => r.Purpose == "bot" && r.UserMessage.Contains(RoundTitle(room), StringComparison.Ordinal)).ToList();
        foreach (var (_, role) in bots)
        {
            Assert.Contains(asked, r => r.UserMessage.StartsWith($"Role: {role} (", StringComparison.Ordinal) || r.UserMessage.StartsWith($"역할: {role} (", StringComparison.Ordinal));
        }
    }

    [Fact]
    public async Task A_model_that_answers_badly_leaves_the_choice_to_the_seeded_rule_and_the_room_says_so()
    {
        // Two bots, each asked twice (one retry of a broken answer): an option that does not exist, then no reason.
        for (var i = 0; i < 2; i++)
        {
            Server.Enqueue(context => FakeOpenAiServer.Completion(context, """{"choice": 9, "confidence": 3, "reason": "Option nine."}"""));
            Server.Enqueue(context => FakeOpenAiServer.Completion(context, """{"choice": 0, "confidence": 3}"""));
        }

        var (host, code, bots) = await StartedWithTwoBotsAsync();

        var room = await RoomKit.WithBotChoicesAsync(host, code, bots.Count, Ct);
        var options = room.GetProperty("scenario").GetProperty("rounds")[0].GetProperty("options").GetArrayLength();
        var shown = room.GetProperty("bot_choices").EnumerateArray().ToList();
        Assert.Equal(2, shown.Count);
        foreach (var (id, role) in bots)
        {
            var choice = shown.Single(c => c.GetProperty("user_id").GetInt64() == id);
            var expected = OfflineBotRule.Choose(code, 1, role, options);
            Assert.Equal(expected.Choice, choice.GetProperty("choice").GetInt32());
            Assert.Equal(expected.Confidence, choice.GetProperty("confidence").GetInt32());
            Assert.Equal("offline", choice.GetProperty("provider").GetString());
            Assert.Equal("invalid_response", choice.GetProperty("fallback_reason").GetString());
            Assert.Equal(JsonValueKind.Null, choice.GetProperty("reason").ValueKind);
        }
    }

    [Fact]
    public async Task A_failing_endpoint_leaves_the_choice_to_the_seeded_rule_and_the_room_says_so()
    {
        Server.Enqueue(context => FakeOpenAiServer.Error(context, StatusCodes.Status500InternalServerError));
        Server.Enqueue(context => FakeOpenAiServer.Error(context, StatusCodes.Status500InternalServerError));

        var (host, code, bots) = await StartedWithTwoBotsAsync();

        var room = await RoomKit.WithBotChoicesAsync(host, code, bots.Count, Ct);
        var shown = room.GetProperty("bot_choices").EnumerateArray().ToList();
        Assert.Equal(bots.Count, shown.Count);
        Assert.All(shown, c =>
        {
            Assert.Equal("offline", c.GetProperty("provider").GetString());
            Assert.Equal("upstream_error", c.GetProperty("fallback_reason").GetString());
            Assert.Equal(JsonValueKind.Null, c.GetProperty("reason").ValueKind);
        });
    }

    /// <summary>
    /// A model slower than the room's turn does not hold the room: the start answers, the room answers and takes the
    /// host's choice while the model thinks, and the bots' choices land when it answers (the consensus then opens).
    /// Before, the start waited for the model (here until the provider's 10 s timeout gave the choice to the rule).
    /// </summary>
    [Fact]
    public async Task A_slow_model_does_not_hold_the_room_and_its_answers_land_when_they_come()
    {
        var thinking = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        for (var i = 0; i < 2; i++)
        {
            Server.Enqueue(async context =>
            {
                await thinking.Task;
                await FakeOpenAiServer.Completion(context, ModelAnswers.BotChoice);
            });
        }

        var (host, code, bots) = await StartedWithTwoBotsAsync();

        var meanwhile = await HttpAssert.OkAsync<JsonElement>(await host.GetAsync($"/rooms/{code}", Ct));
        Assert.Equal(0, meanwhile.GetProperty("bot_choices").GetArrayLength());
        Assert.Equal(HttpStatusCode.Created, (await RoomKit.ChooseAsync(host, code, 1, 0, 3, Ct)).StatusCode);
        await HttpAssert.ProblemAsync(await RoomKit.ConsensusAsync(host, code, 1, 0, 3, Ct), HttpStatusCode.Conflict, "choices_pending");

        thinking.SetResult();
        var room = await RoomKit.WithBotChoicesAsync(host, code, bots.Count, Ct);
        Assert.All(room.GetProperty("bot_choices").EnumerateArray(), c =>
        {
            Assert.Equal("openai", c.GetProperty("provider").GetString());
            Assert.Equal(ModelAnswers.BotReason, c.GetProperty("reason").GetString());
        });
        Assert.Equal(HttpStatusCode.Created, (await RoomKit.ConsensusAsync(host, code, 1, 0, 3, Ct)).StatusCode);
    }

    private static string RoundTitle(JsonElement room) =>
        room.GetProperty("scenario").GetProperty("rounds")[0].GetProperty("title").GetProperty("ko").GetString()!;

    private async Task<(Player Host, string Code, IReadOnlyList<(long Id, int Role)> Bots)> StartedWithTwoBotsAsync()
    {
        var host = await RoomKit.GuestAsync(fixture.Client, Ct);
        var code = RoomKit.Code(await RoomKit.CreateRoomAsync(host, Ct, isPublic: false));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{code}/bots", new { bots = 2 }, Ct));
        await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/assign-roles/{code}", new { }, Ct));
        var started = await HttpAssert.OkAsync<JsonElement>(await host.PostAsync($"/rooms/{code}/start", null, Ct));
        var bots = started.GetProperty("participants").EnumerateArray().Where(p => p.GetProperty("is_bot").GetBoolean())
            .Select(p => (Id: p.GetProperty("user_id").GetInt64(), Role: p.GetProperty("role_id").GetInt32())).ToList();
        return (host, code, bots);
    }
}

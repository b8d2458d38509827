using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Dilemma.Grains.Scenarios;
using Dilemma.Tests.Hosting;
using Dilemma.Tests.Rooms;
using static Microsoft.Playwright.Assertions;

namespace Dilemma.Tests.Client;

/// <summary>
/// The AI facilitator in the web app, in Chromium. The product has the LLM write new scenarios and ask each role tailored
/// questions during the discussion; the API did both (POST /ai/scenarios, GET /rooms/{code}/ai/questions), and the web
/// app did neither: nobody in a browser saw a question or could play a new scenario. Here the gateway runs without a
/// model, so the offline facilitator answers.
/// </summary>
public class AiQuestionsTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    [Fact]
    public async Task A_player_asks_for_questions_for_their_role_sees_them_in_either_language_and_the_next_round_starts_without_them()
    {
        var (pages, _) = await ClientFlows.SeatThreePlayersAsync(() => browser.NewPageAsync(), "Ask");
        await ClientFlows.StartGameAsync(pages, scan: false);
        var player = pages[1];
        await Expect(player.Locator("#round-title")).ToContainTextAsync("Round 1 of 5");
        await Expect(player.Locator("#questions-list")).ToHaveCountAsync(0);

        await player.ClickAsync("#questions-load");

        // The offline facilitator's three: the scenario's question to the role, a curated one, one about an option.
        await Expect(player.Locator("#questions-list li")).ToHaveCountAsync(3);
        await Expect(player.Locator("#questions-offline")).ToBeVisibleAsync();
        await Expect(player.Locator("#questions-load")).ToHaveTextAsync("Suggest other questions");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(player, "round-questions");
        await player.SelectOptionAsync("#lang-select", "ko");
        await Expect(player.Locator("#questions-list li").First).ToHaveTextAsync(new Regex("[\uAC00-\uD7A3]"));
        await player.SelectOptionAsync("#lang-select", "en");
        await Expect(player.Locator("#questions-list li").First).Not.ToHaveTextAsync(new Regex("[\uAC00-\uD7A3]"));

        // Asked for by one player, shown to that player only.
        await Expect(pages[2].Locator("#ai-questions")).ToBeVisibleAsync();
        await Expect(pages[2].Locator("#questions-list")).ToHaveCountAsync(0);

        // The next round's questions are asked for afresh.
        await ClientFlows.PlayRoundAsync(pages, 1, scan: false);
        await Expect(player.Locator("#round-title")).ToContainTextAsync("Round 2 of 5");
        await Expect(player.Locator("#questions-list")).ToHaveCountAsync(0);
        await Expect(player.Locator("#questions-load")).ToHaveTextAsync("Suggest questions");

        foreach (var page in pages)
        {
            await page.Context.CloseAsync();
        }
    }

    [Fact]
    public async Task A_host_has_the_AI_write_a_new_scenario_and_the_room_is_created_on_it()
    {
        var page = await ClientFlows.SignInGuestAsync(() => browser.NewPageAsync(), "Writer");
        await page.FillAsync("#create-title", "A new story");
        await page.CheckAsync($"#create-topic input[value='{RoomKit.Topic}']");
        await page.CheckAsync("#create-generate");
        await page.FillAsync("#create-guidance", "Keep it about night shifts.");
        await ScreenCheck.AssertAccessibleInBothLanguagesAsync(page, "lobby-generate");
        await page.ClickAsync("#create-submit");
        await Expect(page.Locator("#room-code")).ToBeVisibleAsync();

        // The room plays a scenario of its own, which the catalog knows; not the topic's prepared one.
        var code = Regex.Match(await page.Locator("#room-code").InnerTextAsync(), "[0-9]{6}").Value;
        var token = JsonDocument.Parse(await page.EvaluateAsync<string>("sessionStorage.getItem('dilemma.session')")).RootElement.GetProperty("access_token").GetString();
        async Task<JsonElement> GetAsync(string path)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            return await HttpAssert.OkAsync<JsonElement>(await browser.Client.SendAsync(request, TestContext.Current.CancellationToken));
        }

        var scenarioId = (await GetAsync($"/rooms/{code}")).GetProperty("scenario_id").GetString()!;
        Assert.NotEqual(ScenarioBank.LoadEmbedded().FindByTopic(RoomKit.Topic)!.Id, scenarioId);
        Assert.Equal(scenarioId, (await GetAsync($"/ai/scenarios/{scenarioId}")).GetProperty("scenario_id").GetString());
        await page.Context.CloseAsync();
    }
}

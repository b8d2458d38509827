using System.ComponentModel;
using System.Security.Claims;
using Dilemma.Gateway.Accounts;
using Dilemma.Gateway.Edge;
using Dilemma.Gateway.Errors;
using Dilemma.Gateway.Research;
using Dilemma.Gateway.Validation;
using Dilemma.Grains.Interfaces.Research;
using Dilemma.Grains.Interfaces.Rooms;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace Dilemma.Gateway.Rooms;

/// <summary>The rooms, choices and consensus endpoints: each is one grain call, translated.</summary>
public static class RoomsApi
{
    private const int DefaultPageSize = 20;

    private const string CreateRoomDescription =
        "The room plays `topic`'s scenario, or the scenario named by `scenario_id` (a generated one from POST /ai/scenarios, or a bank id); " +
        "one of the two is required (400 missing_field). With `scenario_id`, `topic` may be left out; when given it must be the scenario's own " +
        "(422 topic_mismatch). An unknown topic is 422 unknown_topic, an unknown scenario_id 422 unknown_scenario. Limited per user " +
        "(RateLimits:Rooms:CreateBurst at once, RateLimits:Rooms:CreatesPerMinute after that) and per client address, whoever is signed in " +
        "(RateLimits:Rooms:CreateBurstPerAddress, RateLimits:Rooms:CreatesPerMinutePerAddress): 429 rate_limited with Retry-After. " +
        "A waiting room with no socket open for Rooms:AbandonedAfterSeconds (30 minutes by default) is closed. " +
        "`on_dropout` (optional, default `continue`) is what a started game does when a participant is dropped (their last signaling or voice socket " +
        "closed more than Game:ReconnectGraceSeconds ago, or they left): `continue` plays on with those still present, the dropped seat recorded absent " +
        "for each later round; `wait` pauses the room (409 room_paused, `paused` true, `paused_at` since when) until they return or the host removes them or ends the game; " +
        "`bot` seats a bot in the dropped seat, with its role (room_events bot_joined, is_bot), which chooses from then on (see POST /rooms/{room_code}/bots). " +
        "Anything else is 422 invalid_on_dropout. Sockets of the others hear participant_reconnecting, participant_returned and participant_dropped. " +
        "`choice_seconds` and `consensus_seconds` (optional, 1-3600, none by default; else 422 invalid_timer) are the round timers: the room's " +
        "`deadline_kind` (`choice` or `consensus`) and `deadline_at` (server clock, UTC) say what runs until when; while the room is paused the deadline stands still " +
        "(the time left is `deadline_at` less `paused_at`) and the resume moves it on by the pause. At the choice deadline, participants " +
        "without a choice are recorded timed_out (no choice is invented), further choices are 409 choices_closed and the consensus opens with the " +
        "choices present; the consensus deadline starts once the consensus is open, and when it passes the round is recorded no_consensus and the next opens.";

    private const string VisibilityRule =
        "Participants and researchers (and the facilitator of the session that opened the room) get the whole room " +
        "(participants with user_id, nickname and role, host, phase, round, consensus, scenario). Anyone else gets, for a public room that " +
        "is still waiting, only its public summary (room_code, title, topic, participant_count, phase, created_at: the shape GET /rooms lists); " +
        "for every other room (private, started, finished, closed) the same 404 room_not_found as for a code nobody opened, so codes cannot be probed.";

    private const string CodeLookupLimit =
        "Lookups and joins by code are limited per user and per client address (RateLimits:Rooms:*): a hit costs one permit, a 404 costs " +
        "RateLimits:Rooms:MissCost (5); over the limit 429 rate_limited with Retry-After.";

    public static void MapRoomsApi(this IEndpointRouteBuilder endpoints)
    {
        var rooms = endpoints.MapGroup("/rooms").WithTags("Rooms").RequireAuthorization().ChecksRouteCodes();

        rooms.MapPost("/public", CreatePublicAsync).Validates<CreateRoomRequest>().LimitsRoomCreation().AcceptsIdempotencyKey()
            .WithSummary("Open a listed room; the caller joins as host")
            .WithDescription(CreateRoomDescription);
        rooms.MapPost("/private", CreatePrivateAsync).Validates<CreateRoomRequest>().LimitsRoomCreation().AcceptsIdempotencyKey()
            .WithSummary("Open an unlisted room, joined by code only; the caller joins as host")
            .WithDescription(CreateRoomDescription);
        rooms.MapGet("/", ListAsync)
            .WithSummary("Public rooms, newest first")
            .WithDescription("Query: topic (optional), status (waiting (default), started or finished), page (from 1), page_size (1-100, default 20).");
        rooms.MapPost("/join", JoinAsync).Validates<JoinRoomRequest>().LimitsRoomCodeLookups().AcceptsIdempotencyKey()
            .WithSummary("Join a room by code (joining again returns the same seat)")
            .WithDescription($"400 invalid_room_code when room_code is not six digits, as in a path; 404 room_not_found for an unknown or closed code, and for a private room whose game has started; 409 room_full or room_started. {CodeLookupLimit}");
        rooms.MapPost("/quick-join", QuickJoinAsync).Validates<QuickJoinRequest>().LimitsRoomCreation().AcceptsIdempotencyKey()
            .WithSummary("Join the fullest public waiting room with a free seat, or open one")
            .WithDescription("Never seats anyone in a closed room. May open a room, so it counts toward the per-user room creation limit (429 rate_limited with Retry-After).");
        rooms.MapPost("/assign-roles/{room_code}", AssignRolesAsync).Validates(_ => new AssignRolesRequest(null)).AcceptsIdempotencyKey()
            .WithSummary("Host only: roles 1 (caregiver), 2 (family member), 3 (AI developer) once each, as given or at random")
            .WithDescription("Body: assignments? ([{user_id, role_id}]). Without assignments, or with no body at all (the original front end's call), roles are assigned at random.");
        rooms.MapGet("/{room_code}", GetAsync).LimitsRoomCodeLookups()
            .WithSummary("The room: in full for those who belong, a public summary of a public waiting room for anyone else")
            .WithDescription(VisibilityRule + " " + CodeLookupLimit)
            .ProducesProblem(StatusCodes.Status404NotFound);
        rooms.MapPost("/{room_code}/leave", LeaveAsync).AcceptsIdempotencyKey()
            .WithSummary("Leave the room; in a started game this is a dropout")
            .WithDescription("Before the start: the host's role passes to the participant who joined earliest. The last participant out closes the room: it leaves the listings, quick join never seats anyone there, and its code answers 404 room_not_found from then on. In a started game: the leaver is dropped at once (room_events participant_dropped, actor the leaver), their sockets close with 4003, and the room's on_dropout policy applies; a host hands over to the earliest-joined participant still in the game. After the end: 409 room_finished.");
        rooms.MapPost("/{room_code}/host", HandHostAsync).Validates<ParticipantRequest>().AcceptsIdempotencyKey()
            .WithSummary("Host only: hand the host role to another participant still in the game")
            .WithDescription("Body {\"user_id\"}. 409 participant_gone when that participant was dropped or removed; 409 room_finished once the game is over. Recorded in room_events as host_changed with the caller as actor.");
        rooms.MapPost("/{room_code}/remove", RemoveParticipantAsync).Validates<ParticipantRequest>().AcceptsIdempotencyKey()
            .WithSummary("Host only, in a started game: take a gone participant's seat out of the game")
            .WithDescription("Body {\"user_id\"}. Only a participant with no socket open (reconnecting, dropped, or never connected); 409 participant_present otherwise. The seat stays in the data with presence removed, its later rounds are recorded absent, a paused (on_dropout wait) room resumes. Recorded as participant_removed with the caller as actor.");
        rooms.MapPost("/{room_code}/end", EndEarlyAsync).AcceptsIdempotencyKey()
            .WithSummary("Host only, in a started game: end the game now")
            .WithDescription("The room is finished with ended_early_at and ended_early_by set; recorded in room_events as ended_early with the caller and the open round.");
        rooms.MapPost("/{room_code}/bots", AddBotsAsync).Validates<AddBotsRequest>().AcceptsIdempotencyKey()
            .WithSummary("Host only, before the start: seat one or two bots")
            .WithDescription("Body {\"bots\": 1 or 2} (422 invalid_bots otherwise; 409 room_full when the room has fewer free seats, 409 room_started after the start). A bot is a participant with is_bot true: roles are assigned to it as to anyone; it chooses as soon as each round opens (offline provider: a rule per role seeded by the room code, round and role, so a room's bot choices are reproducible; LLM provider: the model's choice and a one-sentence reason, or the seeded rule with fallback_reason when the model fails or answers badly) and never submits the consensus — the host does. Its rows (round choices, room_events) are marked is_bot, as is its users row. The room snapshot's bot_choices shows each bot choice (round_number, user_id, choice, confidence, reason, provider, fallback_reason) to everyone in the room; a person's choice is never shown. A room's on_dropout may also be bot: a bot then takes a dropped seat (room_events bot_joined).");
        rooms.MapPost("/{room_code}/start", StartAsync).AcceptsIdempotencyKey()
            .WithSummary("Host only, once roles are assigned: opens round 1");
        rooms.MapPost("/{room_code}/round-choice", SubmitChoiceAsync).Validates<SubmitChoiceRequest>()
            .WithSummary("Record or revise your choice for the open round")
            .WithDescription("round_number 1-5 (must be the open round, else 409 wrong_round), choice 0-3 (and below the round's option count), confidence 1-5; out of range is 422. submission_id makes a retry return the first answer (replayed true) and change nothing; the same submission_id with another round_number, choice or confidence is 422 idempotency_key_reused (field submission_id), and nothing is recorded. language (optional, ko or en; else 422 invalid_field naming language) is the language the page showed the round in when the choice was sent, recorded with it and exported (empty when not sent); a replay keeps the language first recorded.");
        rooms.MapPost("/{room_code}/consensus-choice", SubmitConsensusAsync).Validates<SubmitChoiceRequest>()
            .WithSummary("Record the group's consensus once everyone still in the game has chosen; opens the next round or finishes the game")
            .WithDescription("Once per round (409 consensus_exists); needs the individual choice of every participant still in the game (409 choices_pending): a dropped or removed participant is not waited for and their seat is recorded absent for the round. 409 room_paused while an on_dropout wait room waits for a dropped participant; 409 participant_dropped from a dropped participant. submission_id as for round-choice: a retry gets the first answer, the same id with another round_number, choice or confidence is 422 idempotency_key_reused (field submission_id); ids are scoped per operation, so a choice's id never answers for a consensus. language as for round-choice.");
        rooms.MapGet("/{room_code}/withdrawal-code", WithdrawalCodeAsync)
            .WithSummary("Your withdrawal code for this finished game, to show on the end screen")
            .WithDescription("Participants only, once the game is finished (409 room_not_finished before; 409 bot_seat for a bot; 410 research_data_removed when the participant's research rows of this game are gone, removed by retention or by their own withdrawal, before this code was issued). 24 letters and digits in groups of four, derived from the server's key (Auth:JwtKey): the same on every ask while that key is unchanged, and a code shown before a key change stays valid. Only its SHA-256 is stored, never the code itself. Whoever holds it can withdraw the participant's research data without signing in (POST /research/withdrawals), e.g. a guest who lost their token; it works once. Answer: {\"withdrawal_code\"}.")
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status410Gone);
        rooms.MapGet("/{room_code}/statistics", StatisticsAsync)
            .WithSummary("Per-round choices, distribution, mean confidence, consensus, majority and deliberation figures")
            .WithDescription("For those who see the room in full (participants, researchers); 403 not_participant for others when the room is a public waiting one, else 404 room_not_found. Individual choices of a round appear once its consensus is recorded. changed_position: the consensus differs from the participant's own choice. changed_from_majority: the participant chose with the majority and the consensus went elsewhere. distance_to_consensus: share of participants whose choice differs from the consensus. confidence_shift: consensus confidence minus mean individual confidence. role_agreement.agreement_index: share of completed rounds whose consensus was that role's own choice.");
    }

    public static Task<Results<Created<RoomResponse>, ProblemHttpResult>> CreatePublicAsync(CreateRoomRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken) =>
        CreateAsync(request, isPublic: true, idempotencyKey, user, grains, cancellationToken);

    public static Task<Results<Created<RoomResponse>, ProblemHttpResult>> CreatePrivateAsync(CreateRoomRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken) =>
        CreateAsync(request, isPublic: false, idempotencyKey, user, grains, cancellationToken);

    public static async Task<Results<Ok<RoomPageResponse>, ProblemHttpResult>> ListAsync(IGrainFactory grains, CancellationToken cancellationToken, string? topic = null, string? status = null, int page = 1, [FromQuery(Name = "page_size")] int pageSize = DefaultPageSize)
    {
        var phase = RoomPhase.Waiting;
        if (status is not null && !RoomPhases.TryParse(status, out phase))
        {
            return (ProblemHttpResult)Problems.Create(StatusCodes.Status422UnprocessableEntity, "invalid_status", "status is waiting, started or finished.", field: "status");
        }

        var result = await grains.GetGrain<IRoomLobbyGrain>(0).ListRoomsAsync(new RoomQuery(topic, phase, page, pageSize), cancellationToken);
        return TypedResults.Ok(new RoomPageResponse(
            result.Items.Select(r => r.ToResponse()).ToList(),
            result.Page,
            result.PageSize,
            result.Total));
    }

    public static async Task<Results<Ok<RoomResponse>, Ok<RoomListingResponse>>> GetAsync([FromRoute(Name = "room_code")] string roomCode, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var view = await Room(grains, roomCode).ViewAsync(RoomViewers.Of(user), cancellationToken);
        return view.Details is { } details
            ? TypedResults.Ok(details.Room.ToResponse(details.Scenario))
            : TypedResults.Ok(view.Summary!.ToResponse());
    }

    public static async Task<Results<Ok<JoinResponse>, ProblemHttpResult>> JoinAsync(JoinRoomRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (!RoomRules.IsRoomCode(request.RoomCode))
        {
            return Problems.Of(RoomRules.InvalidRoomCode());
        }

        var userId = AccessTokens.UserIdOf(user);
        var target = Room(grains, request.RoomCode!);
        var room = idempotencyKey is null
            ? await target.JoinAsync(userId, request.Nickname, cancellationToken)
            : await target.RunOnceAsync(new RoomCommand(RoomCommandKind.Join, userId, request.Nickname), idempotencyKey, cancellationToken);
        return TypedResults.Ok(room.ToJoinResponse(userId));
    }

    public static async Task<Ok<JoinResponse>> QuickJoinAsync(QuickJoinRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var userId = AccessTokens.UserIdOf(user);
        var room = idempotencyKey is { } key
            ? await grains.GetGrain<IRoomCreationGrain>(userId).QuickJoinAsync(request.Nickname, request.Topic, key, cancellationToken)
            : await grains.GetGrain<IRoomLobbyGrain>(0).QuickJoinAsync(userId, request.Nickname, request.Topic, cancellationToken);
        return TypedResults.Ok(room.ToJoinResponse(userId));
    }

    public static async Task<NoContent> LeaveAsync([FromRoute(Name = "room_code")] string roomCode, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        await Once(Room(grains, roomCode), new RoomCommand(RoomCommandKind.Leave, AccessTokens.UserIdOf(user)), idempotencyKey, cancellationToken);
        return TypedResults.NoContent();
    }

    // request is never null here: the validation filter turns an empty body (the original front end's call) into no assignments.
    public static async Task<Ok<RoomResponse>> AssignRolesAsync([FromRoute(Name = "room_code")] string roomCode, [FromBody(EmptyBodyBehavior = EmptyBodyBehavior.Allow)] AssignRolesRequest? request, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var assignments = request!.Assignments?.Select(a => new RoleAssignment(a.UserId!.Value, a.RoleId!.Value)).ToList();
        var room = await Once(Room(grains, roomCode), new RoomCommand(RoomCommandKind.AssignRoles, AccessTokens.UserIdOf(user), Assignments: assignments), idempotencyKey, cancellationToken);
        return TypedResults.Ok(room.ToResponse());
    }

    public static async Task<Ok<RoomResponse>> HandHostAsync([FromRoute(Name = "room_code")] string roomCode, ParticipantRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok((await Once(Room(grains, roomCode), new RoomCommand(RoomCommandKind.HandHost, AccessTokens.UserIdOf(user), TargetUserId: request.UserId!.Value), idempotencyKey, cancellationToken)).ToResponse());

    public static async Task<Ok<RoomResponse>> RemoveParticipantAsync([FromRoute(Name = "room_code")] string roomCode, ParticipantRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok((await Once(Room(grains, roomCode), new RoomCommand(RoomCommandKind.RemoveParticipant, AccessTokens.UserIdOf(user), TargetUserId: request.UserId!.Value), idempotencyKey, cancellationToken)).ToResponse());

    public static async Task<Ok<RoomResponse>> AddBotsAsync([FromRoute(Name = "room_code")] string roomCode, AddBotsRequest request, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok((await Once(Room(grains, roomCode), new RoomCommand(RoomCommandKind.AddBots, AccessTokens.UserIdOf(user), Count: request.Bots!.Value), idempotencyKey, cancellationToken)).ToResponse());

    public static async Task<Ok<RoomResponse>> EndEarlyAsync([FromRoute(Name = "room_code")] string roomCode, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok((await Once(Room(grains, roomCode), new RoomCommand(RoomCommandKind.EndEarly, AccessTokens.UserIdOf(user)), idempotencyKey, cancellationToken)).ToResponse());

    public static async Task<Ok<RoomResponse>> StartAsync([FromRoute(Name = "room_code")] string roomCode, [FromHeader(Name = IdempotencyKeys.Header), Description(IdempotencyHeader.Description)] string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var room = await Once(Room(grains, roomCode), new RoomCommand(RoomCommandKind.Start, AccessTokens.UserIdOf(user)), idempotencyKey, cancellationToken);
        return TypedResults.Ok(room.ToResponse());
    }

    public static async Task<Created<SubmissionResponse>> SubmitChoiceAsync([FromRoute(Name = "room_code")] string roomCode, SubmitChoiceRequest request, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var receipt = await Room(grains, roomCode).SubmitChoiceAsync(AccessTokens.UserIdOf(user), Submission(request), cancellationToken);
        return TypedResults.Created($"/rooms/{roomCode}/statistics", receipt.ToResponse());
    }

    public static async Task<Created<SubmissionResponse>> SubmitConsensusAsync([FromRoute(Name = "room_code")] string roomCode, SubmitChoiceRequest request, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        var receipt = await Room(grains, roomCode).SubmitConsensusAsync(AccessTokens.UserIdOf(user), Submission(request), cancellationToken);
        return TypedResults.Created($"/rooms/{roomCode}/statistics", receipt.ToResponse());
    }

    public static async Task<Ok<WithdrawalCodeResponse>> WithdrawalCodeAsync([FromRoute(Name = "room_code")] string roomCode, ClaimsPrincipal user, IGrainFactory grains, WithdrawalCodeIssuer codes, CancellationToken cancellationToken)
    {
        // Derived here and only its hash sent: the silo and the room's stored state never hold a code that works.
        var userId = AccessTokens.UserIdOf(user);
        var code = codes.CodeFor(roomCode, userId);
        await Room(grains, roomCode).IssueWithdrawalCodeAsync(userId, WithdrawalCodes.Hash(code), cancellationToken);
        return TypedResults.Ok(new WithdrawalCodeResponse(code));
    }

    public static async Task<Ok<RoomStatistics>> StatisticsAsync([FromRoute(Name = "room_code")] string roomCode, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken) =>
        TypedResults.Ok(await Room(grains, roomCode).GetStatisticsAsync(RoomViewers.Of(user), cancellationToken));

    private static async Task<Results<Created<RoomResponse>, ProblemHttpResult>> CreateAsync(CreateRoomRequest request, bool isPublic, string? idempotencyKey, ClaimsPrincipal user, IGrainFactory grains, CancellationToken cancellationToken)
    {
        if (request.Topic is null && request.ScenarioId is null)
        {
            const string Missing = "Required field missing: topic (or scenario_id).";
            return (ProblemHttpResult)Problems.Create(StatusCodes.Status400BadRequest, "missing_field", Missing, new Dictionary<string, string[]> { ["topic"] = [Missing] }, field: "topic");
        }

        var userId = AccessTokens.UserIdOf(user);
        var creation = new RoomCreation(request.Title!, request.Topic ?? string.Empty, isPublic, userId, request.Nickname, request.ScenarioId, request.OnDropout, request.ChoiceSeconds, request.ConsensusSeconds);
        var room = idempotencyKey is null
            ? await grains.GetGrain<IRoomLobbyGrain>(0).CreateRoomAsync(creation, cancellationToken)
            : await grains.GetGrain<IRoomCreationGrain>(userId).CreateRoomAsync(creation, idempotencyKey, cancellationToken);
        return TypedResults.Created($"/rooms/{room.Code}", room.ToResponse());
    }

    /// <summary>
    /// A room command: once per key when the request carries an <c>Idempotency-Key</c>, else as a
    /// plain call (so requests without the header behave as before).
    /// </summary>
    private static Task<RoomSnapshot> Once(IRoomGame room, RoomCommand command, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (idempotencyKey is { } key)
        {
            return room.RunOnceAsync(command, key, cancellationToken);
        }

        return command.Kind switch
        {
            RoomCommandKind.Leave => room.LeaveAsync(command.UserId, cancellationToken),
            RoomCommandKind.AssignRoles => room.AssignRolesAsync(command.UserId, command.Assignments, cancellationToken),
            RoomCommandKind.Start => room.StartAsync(command.UserId, cancellationToken),
            RoomCommandKind.HandHost => room.HandHostAsync(command.UserId, command.TargetUserId!.Value, cancellationToken),
            RoomCommandKind.RemoveParticipant => room.RemoveParticipantAsync(command.UserId, command.TargetUserId!.Value, cancellationToken),
            RoomCommandKind.EndEarly => room.EndEarlyAsync(command.UserId, cancellationToken),
            RoomCommandKind.AddBots => room.AddBotsAsync(command.UserId, command.Count!.Value, cancellationToken),
            _ => throw new ArgumentOutOfRangeException(nameof(command), command.Kind, "Not a command of a room endpoint without a key."),
        };
    }

    private static ChoiceSubmission Submission(SubmitChoiceRequest request) =>
        new(request.RoundNumber!.Value, request.Choice!.Value, request.Confidence!.Value, request.SubmissionId, request.Language);

    /// <summary>The room grain for a code already checked: by <see cref="RouteCodes"/> in a path, by the handler in a body.</summary>
    private static IRoomGame Room(IGrainFactory grains, string code) => grains.GetGrain<IRoomGame>(code);
}

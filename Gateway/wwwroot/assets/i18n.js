// Every word the app shows, in Korean and English. The choice is remembered in localStorage.

/** @typedef {'ko' | 'en'} Lang */

const STORAGE_KEY = 'dilemma.lang';

/** @type {Record<Lang, Record<string, string>>} */
const STRINGS = {
  en: {
    'app.title': 'Dilemma — an AI ethics game',
    'app.skip': 'Skip to content',
    'app.language': 'Language',
    'app.signOut': 'Sign out',
    'app.reconnecting': 'Connection lost — reconnecting…',
    'app.working': 'Working…',
    'signin.title': 'Welcome',
    'signin.intro': 'Three people decide together on five dilemmas about AI. Each of you sees the story from a different role.',
    'signin.guest': 'Play as a guest',
    'signin.nickname': 'Nickname',
    'signin.dataConsent': 'You may keep my choices (without my name) for research on how groups decide.',
    'signin.dataHint': 'If you say no, you can still play; your choices are left out of research data.',
    'signin.voiceConsent': 'You may record when the voice chat starts and stops, for research.',
    'signin.voiceHint': 'Your voice itself is never recorded. If you say no, you can still talk.',
    'signin.consentVersion': 'Read what is recorded and why (consent text, version {version})',
    'signin.consentMissing': 'The consent text could not be loaded, so the questions are off; you can still play.',
    'signin.consentTitle': 'Research consent',
    'signin.consentApplies': 'Your answers here are saved when you start as a guest or create an account. Signing in to an account you already have keeps the answers it has; change them later under Your data and consent.',
    'signin.consentLegend': 'What may be used for research',
    'signin.guestButton': 'Start as guest',
    'signin.account': 'Sign in with an account',
    'signin.username': 'Username',
    'signin.password': 'Password',
    'signin.email': 'Email (optional)',
    'signin.login': 'Sign in',
    'signin.register': 'Create account',
    'signin.setupSummary': 'Setting up this server? (first admin)',
    'signin.setupHint': 'A new server prints a one-time setup code when it starts. Enter it here and press Create account: the new account becomes the admin.',
    'signin.setupCode': 'Setup code',
    'lobby.title': 'Lobby',
    'lobby.hello': 'Signed in as {name}',
    'lobby.unfinished': 'Your game is still on',
    'lobby.unfinishedText': '{title} (room {code}) is not over, and your seat is still yours.',
    'lobby.unfinishedButton': 'Back to the game',
    'lobby.public': 'Open rooms',
    'lobby.noRooms': 'No open rooms right now. Create one or use quick join.',
    'lobby.refresh': 'Refresh list',
    'lobby.players': '{count}/3 players',
    'lobby.join': 'Join',
    'lobby.joinRoom': 'Join room {code}',
    'lobby.create': 'Create a room',
    'lobby.roomTitle': 'Room title',
    'lobby.choiceSeconds': 'Seconds to choose in each round (optional)',
    'lobby.topic': 'Topic',
    'lobby.visibility': 'Who can find it',
    'lobby.publicRoom': 'Public: listed in the lobby',
    'lobby.privateRoom': 'Private: joined by code only',
    'lobby.createButton': 'Create room',
    'lobby.byCode': 'Join by code',
    'lobby.code': 'Six-digit room code',
    'lobby.joinButton': 'Join with code',
    'lobby.quick': 'Quick join',
    'lobby.quickHint': 'Join the fullest open room, or open a new one.',
    'lobby.quickButton': 'Quick join',
    'lobby.anyTopic': 'Any topic',
    'room.code': 'Room code {code}',
    'room.phase.waiting': 'Waiting for players',
    'room.phase.started': 'Playing',
    'room.phase.finished': 'Finished',
    'room.participants': 'Players ({count}/3)',
    'room.host': 'host',
    'room.you': 'you',
    'room.offline': 'offline',
    'room.noRole': 'no role yet',
    'room.role.1': 'Caregiver',
    'room.role.2': 'Family member',
    'room.role.3': 'AI developer',
    'room.leave': 'Leave room',
    'room.back': 'Back to the lobby',
    'room.needThree': 'The game needs exactly three players. Share the code {code}.',
    'room.needThreeClass': 'The game needs exactly three players. Classmates who arrive late are seated here, and the game starts when there are three; or fill the empty seats with bots.',
    'room.leaveClassHint': 'If you leave before the game starts, you can come back: join class session {code} from the lobby, and you are seated with classmates who arrive late.',
    'room.assign': 'Roles',
    'room.assignRandom': 'Assign roles at random',
    'room.assignByHand': 'Assign these roles',
    'room.roleFor': 'Role for {name}',
    'room.start': 'Start the game',
    'room.chooseRole': 'Choose a role',
    'room.startNeedsRoles': 'The game starts once each of the three has a role, one each: choose them and press Assign these roles, or assign them at random.',
    'room.waitHost': 'Waiting for the host to assign roles and start.',
    'round.title': 'Round {round} of 5',
    'round.timerChoice': 'Time left to choose: {time}',
    'round.timerConsensus': 'Time left for the group decision: {time}',
    'round.timerPaused': 'The clock is stopped while the game is paused.',
    'round.timerPausedLeft': 'The clock is stopped at {time} while the game is paused.',
    'round.pausedByFacilitator': 'Your facilitator has paused the game. Choices and the group decision wait until it resumes.',
    'round.pausedForDropout': 'The game is paused until the player who dropped out comes back or the host acts.',
    'round.yourRole': 'Your role: {role}',
    'round.context': 'What you know',
    'round.question': 'Your question',
    'round.options': 'Options',
    'round.confidence': 'How sure are you? (1 = not sure, 5 = very sure)',
    'round.submit': 'Submit my choice',
    'round.revise': 'Change my choice',
    'round.submitted': 'Your choice is recorded (you can change it until the group decides).',
    'round.closedChosen': 'The time to choose is up: your choice is recorded.',
    'round.closedMissed': 'The time to choose ran out before you chose: the group decides without your choice this round.',
    'round.chosen': 'Who has chosen',
    'round.hasChosen': 'has chosen',
    'round.notYet': 'not yet',
    'round.timedOut': 'ran out of time',
    'round.chosenCount': '{count} of {total} have chosen',
    'round.departed': 'No longer playing',
    'round.discuss': 'Everyone has chosen. Talk it over, then the host records the group\'s decision.',
    'round.waitChoices': 'The group decision opens when everyone still playing has chosen.',
    'round.consensus': 'The group\'s decision',
    'round.consensusConfidence': 'How sure is the group? (1–5)',
    'round.consensusSubmit': 'Record the group\'s decision',
    'round.waitConsensus': 'Waiting for {name}, the host, to record the group\'s decision.',
    'round.past': 'Decisions so far',
    'round.pastFinished': 'Decisions',
    'round.pastItem': 'Round {round}: {option} (sureness {confidence}/5)',
    'stats.title': 'How your group decided',
    'stats.distribution': 'Choices per round',
    'stats.distributionDesc': 'Bars: how many chose each option; the outlined bar, marked above: the group\'s decision.',
    'stats.movement': 'From individual choices to the group\'s decision',
    'stats.movementDesc': 'Each line goes from one person\'s choice (left) to the group\'s decision (right).',
    'stats.confidence': 'Sureness per round',
    'stats.confidenceDesc': 'Solid line with dots: the average of individual sureness; wider dashed line with squares: the group\'s sureness.',
    'stats.individual': 'individual',
    'stats.group': 'group',
    'stats.decided': 'outlined and marked: the option the group decided on',
    'stats.showTable': 'Show the numbers as a table',
    'stats.round': 'Round',
    'stats.option': 'Option',
    'stats.count': 'Chose it',
    'stats.isConsensus': 'Group decision',
    'stats.meanConfidence': 'Average sureness',
    'stats.consensusConfidence': 'Group sureness',
    'stats.person': 'Player',
    'stats.choice': 'Own choice',
    'stats.sureness': 'Sureness',
    'stats.changed': 'Moved to the group’s decision',
    'stats.unchanged': 'no',
    'stats.yes': 'yes',
    'stats.no': '',
    'feedback.title': 'AI feedback',
    'feedback.load': 'Get AI feedback',
    'feedback.loading': 'Asking the AI…',
    'voice.title': 'Voice',
    'voice.mute': 'Mute microphone',
    'voice.unmute': 'Unmute microphone',
    'voice.micOff': 'Your microphone is off',
    'voice.micOn': 'Your microphone is on',
    'voice.noMic': 'No microphone: you can listen only.',
    'voice.alone': 'Voice connects when another person joins.',
    'voice.whenOnline': 'Voice connects when another person in the room is online.',
    'voice.nobody': 'Nobody else in this room can talk: the other seats are bots or empty.',
    'voice.ended': 'Voice ended with the game: your microphone is off.',
    'voice.state.new': 'connecting',
    'voice.state.connecting': 'connecting',
    'voice.state.connected': 'connected',
    'voice.state.relayed': 'connected (relayed)',
    'voice.state.disconnected': 'reconnecting',
    'voice.state.failed': 'failed',
    'voice.state.closed': 'closed',
    'voice.speaking': 'speaking',
    'voice.link': 'Link with {name}: {state}',
    'live.joined': '{name} joined the room.',
    'live.left': '{name} left the room.',
    'live.round': 'Round {round} has started.',
    'live.chosen': '{count} of {total} have chosen.',
    'live.finished': 'The game is over.',
    'live.decided': 'The group decided round {round}: {option}',
    'live.botTookOver': '{bot} took the seat of {name} ({role}).',
    'live.timerChoice': 'Time is nearly up for choosing: {time} left.',
    'live.timerConsensus': 'Time is nearly up for the group decision: {time} left.',
    'finished.endedByFacilitator': 'Your facilitator ended this game before its last round. The rounds your group decided are below; the others stay undecided.',
    'finished.endedByHost': '{name}, the host, ended this game before its last round. The rounds your group decided are below; the others stay undecided.',
    'finished.endedByFacilitatorNone': 'Your facilitator ended this game before your group decided any round, so there are no results to show.',
    'finished.endedByHostNone': '{name}, the host, ended this game before your group decided any round, so there are no results to show.',
    'stats.noneDecided': 'No round was decided in this game: there is nothing to chart.',
    'error.generic': 'Something went wrong ({code}).',
    'error.network': 'The server cannot be reached. Check the connection and try again.',
    'error.room_full': 'That room already has three players.',
    'error.room_started': 'That room\'s game has already started.',
    'error.room_finished': 'That room\'s game is over.',
    'error.room_not_started': 'The game has not started yet.',
    'error.room_not_found': 'No room with that code. Check the six digits.',
    'error.invalid_room_code': 'A room code is six digits.',
    'error.not_host': 'Only the host can do that.',
    'error.not_participant': 'You are not a player in this room.',
    'error.no_longer_participant': 'You are no longer in that game: you left it in another window, or you were removed or moved, or a bot took your seat.',
    'error.removed_from_class_game': 'You are no longer in that game: you were taken out of it. Ask your facilitator where to go next.',
    'room.movedHere': 'Your facilitator moved you to this room from room {from}. You play on here; your role in this room is shown below.',
    'room.elsewhere': 'This game is now open in another window or on another device, so this page has stopped following it. Your seat is kept.',
    'room.playHere': 'Play in this window',
    'room.extended': 'The facilitator gave this round more time: the clock shows the new time left.',
    'error.roles_not_assigned': 'Assign the roles first.',
    'error.not_ready': 'The room needs exactly three players for that.',
    'error.invalid_roles': 'Each role must be given to exactly one player.',
    'error.wrong_round': 'That round is no longer open; the screen is now up to date.',
    'error.invalid_choice': 'Pick one of the options.',
    'error.invalid_confidence': 'Pick a sureness from 1 to 5.',
    'error.invalid_round': 'That round number is not valid.',
    'error.choices_pending': 'Not everyone has chosen yet.',
    'error.consensus_exists': 'The group\'s decision for this round is already recorded.',
    'error.invalid_credentials': 'Wrong username or password.',
    'error.login_throttled': 'Too many failed sign-ins. Wait a little and try again.',
    'error.username_taken': 'That username is taken. Try another.',
    'error.password_too_short': 'A password needs at least 8 characters.',
    'error.password_too_long': 'That password is too long: at most 72 bytes (fewer for Korean letters).',
    'error.unknown_consent_version': 'The consent text has changed since the page loaded. Reload the page and read it again.',
    'error.participants_pending': 'Roles are given when exactly three players are in the room; someone has just left or joined.',
    'error.invalid_setup_code': 'That setup code is wrong or has been used. The server prints it at start-up while it has no admin.',
    'error.invalid_username': 'Usernames use letters, digits, dots, dashes and underscores.',
    'error.invalid_email': 'That email address does not look right.',
    'error.invalid_nickname': 'That nickname cannot be used: up to 32 characters, something visible, and no hidden or text-direction characters.',
    'error.invalid_title': 'That room title cannot be used.',
    'error.invalid_topic': 'Pick a topic from the list.',
    'error.unknown_topic': 'Pick a topic from the list.',
    'error.missing_field': 'Please fill in every required field.',
    'error.invalid_field': 'A field has a value that is not allowed.',
    'error.malformed_json': 'A field was sent in a form the server cannot read. Reload the page and try again.',
    'error.rate_limited': 'Too many requests. Wait a moment and try again.',
    'error.token_expired': 'Your sign-in expired. Please sign in again.',
    'error.invalid_token': 'Your sign-in is no longer valid. Please sign in again.',
    'error.token_revoked': 'This sign-in has ended. Please sign in again.',
    'error.missing_token': 'Please sign in.',
    'error.invalid_refresh_token': 'Your sign-in expired. Please sign in again.',
    'error.refresh_token_reused': 'For safety you were signed out. Please sign in again.',
    'error.payload_too_large': 'That is too long.',
    'error.cluster_unavailable': 'The game server is busy starting. Try again in a moment.',
    'error.internal_error': 'The server had a problem. Try again.',
    'error.voice_consent_required': 'Only players who consented to voice recording may start or stop it.',
    'error.no_completed_rounds': 'Feedback comes after the first decided round.',
  },
  ko: {
    'app.title': '딜레마 — AI 윤리 게임',
    'app.skip': '본문으로 건너뛰기',
    'app.language': '언어',
    'app.signOut': '로그아웃',
    'app.reconnecting': '연결이 끊겼습니다 — 다시 연결하는 중…',
    'app.working': '처리 중…',
    'signin.title': '환영합니다',
    'signin.intro': '세 사람이 AI에 관한 다섯 가지 딜레마를 함께 결정합니다. 사람마다 다른 역할로 이야기를 봅니다.',
    'signin.guest': '게스트로 참여하기',
    'signin.nickname': '닉네임',
    'signin.dataConsent': '제 선택을 (이름 없이) 집단의 결정 방식 연구에 써도 됩니다.',
    'signin.dataHint': '동의하지 않아도 게임을 할 수 있고, 선택은 연구 자료에서 빠집니다.',
    'signin.voiceConsent': '음성 대화의 녹음 시작과 끝 시각을 연구용으로 기록해도 됩니다.',
    'signin.voiceHint': '목소리 자체는 녹음하지 않습니다. 동의하지 않아도 대화할 수 있습니다.',
    'signin.consentVersion': '무엇을 왜 기록하는지 읽기 (동의 문구 버전 {version})',
    'signin.consentMissing': '동의 문구를 불러오지 못해 동의 항목을 고를 수 없습니다. 게임은 할 수 있습니다.',
    'signin.consentTitle': '연구 참여 동의',
    'signin.consentApplies': '여기서 고른 답은 게스트로 시작하거나 계정을 만들 때 저장됩니다. 이미 있는 계정으로 로그인하면 그 계정의 답이 그대로 유지되며, 나중에 내 데이터와 동의에서 바꿀 수 있습니다.',
    'signin.consentLegend': '연구에 쓰여도 되는 것',
    'signin.guestButton': '게스트로 시작',
    'signin.account': '계정으로 로그인',
    'signin.username': '아이디',
    'signin.password': '비밀번호',
    'signin.email': '이메일 (선택)',
    'signin.login': '로그인',
    'signin.register': '계정 만들기',
    'signin.setupSummary': '이 서버를 처음 설정하나요? (첫 관리자)',
    'signin.setupHint': '새 서버는 시작할 때 일회용 설정 코드를 출력합니다. 여기에 입력하고 계정 만들기를 누르면 새 계정이 관리자가 됩니다.',
    'signin.setupCode': '설정 코드',
    'lobby.title': '로비',
    'lobby.hello': '{name} 님으로 로그인함',
    'lobby.unfinished': '아직 진행 중인 게임이 있습니다',
    'lobby.unfinishedText': '{title} (방 {code}) 게임이 아직 끝나지 않았고, 내 자리가 그대로 있습니다.',
    'lobby.unfinishedButton': '게임으로 돌아가기',
    'lobby.public': '열린 방',
    'lobby.noRooms': '지금 열린 방이 없습니다. 방을 만들거나 빠른 참여를 누르세요.',
    'lobby.refresh': '목록 새로고침',
    'lobby.players': '{count}/3명',
    'lobby.join': '참여',
    'lobby.joinRoom': '{code} 방에 참여',
    'lobby.create': '방 만들기',
    'lobby.roomTitle': '방 제목',
    'lobby.choiceSeconds': '라운드마다 선택할 시간(초, 선택 사항)',
    'lobby.topic': '주제',
    'lobby.visibility': '공개 여부',
    'lobby.publicRoom': '공개: 로비 목록에 보임',
    'lobby.privateRoom': '비공개: 코드로만 참여',
    'lobby.createButton': '방 만들기',
    'lobby.byCode': '코드로 참여',
    'lobby.code': '여섯 자리 방 코드',
    'lobby.joinButton': '코드로 참여',
    'lobby.quick': '빠른 참여',
    'lobby.quickHint': '사람이 가장 많은 열린 방에 들어가거나 새 방을 엽니다.',
    'lobby.quickButton': '빠른 참여',
    'lobby.anyTopic': '아무 주제',
    'room.code': '방 코드 {code}',
    'room.phase.waiting': '참가자를 기다리는 중',
    'room.phase.started': '게임 중',
    'room.phase.finished': '끝남',
    'room.participants': '참가자 ({count}/3)',
    'room.host': '방장',
    'room.you': '나',
    'room.offline': '연결 끊김',
    'room.noRole': '역할 없음',
    'room.role.1': '돌봄 제공자',
    'room.role.2': '가족 구성원',
    'room.role.3': 'AI 개발자',
    'room.leave': '방 나가기',
    'room.back': '로비로 돌아가기',
    'room.needThree': '게임에는 정확히 세 명이 필요합니다. 코드 {code}를 알려 주세요.',
    'room.needThreeClass': '게임에는 정확히 세 명이 필요합니다. 늦게 온 같은 반 학생이 이 방에 들어오고, 세 명이 되면 게임이 시작됩니다. 빈자리를 봇으로 채울 수도 있습니다.',
    'room.leaveClassHint': '게임이 시작되기 전에 나가더라도 돌아올 수 있습니다. 로비에서 수업 세션 {code}에 참여하면 늦게 온 같은 반 학생들과 함께 자리가 정해집니다.',
    'room.assign': '역할',
    'room.assignRandom': '역할 무작위 배정',
    'room.assignByHand': '이대로 역할 배정',
    'room.roleFor': '{name} 님의 역할',
    'room.start': '게임 시작',
    'room.chooseRole': '역할 고르기',
    'room.startNeedsRoles': '세 사람 모두 역할을 하나씩 맡아야 게임을 시작할 수 있습니다. 역할을 고른 뒤 이대로 역할 배정을 누르거나, 무작위로 배정하세요.',
    'room.waitHost': '방장이 역할을 배정하고 게임을 시작하기를 기다리는 중입니다.',
    'round.title': '5라운드 중 {round}라운드',
    'round.timerChoice': '선택까지 남은 시간: {time}',
    'round.timerConsensus': '모둠 결정까지 남은 시간: {time}',
    'round.timerPaused': '게임이 멈춘 동안에는 시간이 흐르지 않습니다.',
    'round.timerPausedLeft': '게임이 멈춘 동안 시간은 {time}에 멈춰 있습니다.',
    'round.pausedByFacilitator': '진행자가 게임을 잠시 멈췄습니다. 다시 시작하면 선택과 모둠 결정을 할 수 있습니다.',
    'round.pausedForDropout': '나간 참가자가 돌아오거나 방장이 조치할 때까지 게임이 멈춰 있습니다.',
    'round.yourRole': '내 역할: {role}',
    'round.context': '내가 아는 것',
    'round.question': '생각해 볼 질문',
    'round.options': '선택지',
    'round.confidence': '얼마나 확신하나요? (1 = 확신 없음, 5 = 매우 확신)',
    'round.submit': '내 선택 제출',
    'round.revise': '선택 바꾸기',
    'round.submitted': '선택이 기록되었습니다 (모둠 결정 전까지 바꿀 수 있습니다).',
    'round.closedChosen': '선택 시간이 끝났습니다. 내 선택은 기록되었습니다.',
    'round.closedMissed': '선택하기 전에 선택 시간이 끝났습니다. 이번 라운드는 내 선택 없이 모둠이 결정합니다.',
    'round.chosen': '선택한 사람',
    'round.hasChosen': '선택함',
    'round.notYet': '아직',
    'round.timedOut': '시간 초과',
    'round.chosenCount': '{total}명 중 {count}명 선택함',
    'round.departed': '더 이상 참여하지 않는 사람',
    'round.discuss': '모두 선택했습니다. 이야기를 나눈 뒤 방장이 모둠의 결정을 입력합니다.',
    'round.waitChoices': '참여 중인 사람이 모두 선택하면 모둠 결정을 입력할 수 있습니다.',
    'round.consensus': '모둠의 결정',
    'round.consensusConfidence': '모둠은 얼마나 확신하나요? (1–5)',
    'round.consensusSubmit': '모둠 결정 기록',
    'round.waitConsensus': '방장 {name} 님이 모둠의 결정을 기록하기를 기다리는 중입니다.',
    'round.past': '지금까지의 결정',
    'round.pastFinished': '결정',
    'round.pastItem': '{round}라운드: {option} (확신 {confidence}/5)',
    'stats.title': '우리 모둠의 결정 과정',
    'stats.distribution': '라운드별 선택',
    'stats.distributionDesc': '막대: 각 선택지를 고른 사람 수, 테두리를 치고 위에 표시한 막대: 모둠의 결정.',
    'stats.movement': '개인 선택에서 모둠 결정으로',
    'stats.movementDesc': '선마다 한 사람의 선택(왼쪽)에서 모둠의 결정(오른쪽)으로 이어집니다.',
    'stats.confidence': '라운드별 확신',
    'stats.confidenceDesc': '점이 있는 실선: 개인 확신의 평균, 네모가 있는 굵은 점선: 모둠의 확신.',
    'stats.individual': '개인',
    'stats.group': '모둠',
    'stats.decided': '테두리와 표시: 모둠이 정한 선택지',
    'stats.showTable': '숫자를 표로 보기',
    'stats.round': '라운드',
    'stats.option': '선택지',
    'stats.count': '고른 사람',
    'stats.isConsensus': '모둠 결정',
    'stats.meanConfidence': '평균 확신',
    'stats.consensusConfidence': '모둠 확신',
    'stats.person': '참가자',
    'stats.choice': '개인 선택',
    'stats.sureness': '확신',
    'stats.changed': '모둠 결정으로 바꿈',
    'stats.unchanged': '아니요',
    'stats.yes': '예',
    'stats.no': '',
    'feedback.title': 'AI 피드백',
    'feedback.load': 'AI 피드백 받기',
    'feedback.loading': 'AI에게 묻는 중…',
    'voice.title': '음성',
    'voice.mute': '마이크 끄기',
    'voice.unmute': '마이크 켜기',
    'voice.micOff': '마이크가 꺼져 있습니다',
    'voice.micOn': '마이크가 켜져 있습니다',
    'voice.noMic': '마이크가 없습니다: 듣기만 할 수 있습니다.',
    'voice.alone': '다른 사람이 들어오면 음성이 연결됩니다.',
    'voice.whenOnline': '방에 있는 다른 사람이 접속하면 음성이 연결됩니다.',
    'voice.nobody': '이 방에는 함께 이야기할 사람이 없습니다. 다른 자리는 봇이거나 비어 있습니다.',
    'voice.ended': '게임이 끝나 음성도 끝났습니다. 마이크는 꺼져 있습니다.',
    'voice.state.new': '연결 중',
    'voice.state.connecting': '연결 중',
    'voice.state.connected': '연결됨',
    'voice.state.relayed': '연결됨 (중계)',
    'voice.state.disconnected': '다시 연결 중',
    'voice.state.failed': '실패',
    'voice.state.closed': '닫힘',
    'voice.speaking': '말하는 중',
    'voice.link': '{name} 님과의 연결: {state}',
    'live.joined': '{name} 님이 들어왔습니다.',
    'live.left': '{name} 님이 나갔습니다.',
    'live.round': '{round}라운드가 시작되었습니다.',
    'live.chosen': '{total}명 중 {count}명이 선택했습니다.',
    'live.finished': '게임이 끝났습니다.',
    'live.decided': '모둠이 {round}라운드를 정했습니다: {option}',
    'live.botTookOver': '{name} 님의 자리({role})를 봇이 이어받았습니다: {bot}.',
    'live.timerChoice': '선택할 시간이 거의 끝났습니다: {time} 남음.',
    'live.timerConsensus': '모둠 결정 시간이 거의 끝났습니다: {time} 남음.',
    'finished.endedByFacilitator': '진행자가 마지막 라운드 전에 이 게임을 끝냈습니다. 모둠이 정한 라운드는 아래에 있고, 나머지는 정하지 않은 채로 남습니다.',
    'finished.endedByHost': '방장 {name} 님이 마지막 라운드 전에 이 게임을 끝냈습니다. 모둠이 정한 라운드는 아래에 있고, 나머지는 정하지 않은 채로 남습니다.',
    'finished.endedByFacilitatorNone': '모둠이 한 라운드도 정하기 전에 진행자가 이 게임을 끝냈습니다. 보여 줄 결과가 없습니다.',
    'finished.endedByHostNone': '모둠이 한 라운드도 정하기 전에 방장 {name} 님이 이 게임을 끝냈습니다. 보여 줄 결과가 없습니다.',
    'stats.noneDecided': '이 게임에서 정해진 라운드가 없어 그래프로 보여 줄 것이 없습니다.',
    'error.generic': '문제가 생겼습니다 ({code}).',
    'error.network': '서버에 연결할 수 없습니다. 연결을 확인하고 다시 시도하세요.',
    'error.room_full': '그 방에는 이미 세 명이 있습니다.',
    'error.room_started': '그 방의 게임은 이미 시작되었습니다.',
    'error.room_finished': '그 방의 게임은 끝났습니다.',
    'error.room_not_started': '게임이 아직 시작되지 않았습니다.',
    'error.room_not_found': '그 코드의 방이 없습니다. 여섯 자리를 확인하세요.',
    'error.invalid_room_code': '방 코드는 여섯 자리 숫자입니다.',
    'error.not_host': '방장만 할 수 있습니다.',
    'error.not_participant': '이 방의 참가자가 아닙니다.',
    'error.no_longer_participant': '더 이상 그 게임의 참가자가 아닙니다. 다른 창에서 나갔거나, 제외되었거나, 다른 방으로 옮겨졌거나, 봇이 자리를 맡았습니다.',
    'error.removed_from_class_game': '더 이상 그 게임의 참가자가 아닙니다. 게임에서 제외되었습니다. 어디로 가야 할지 진행자에게 물어보세요.',
    'room.movedHere': '진행자가 나를 {from} 방에서 이 방으로 옮겼습니다. 이 방에서 계속하며, 이 방에서 맡은 역할은 아래에 있습니다.',
    'room.elsewhere': '이 게임이 다른 창이나 다른 기기에서 열려, 이 페이지는 더 이상 게임을 따라가지 않습니다. 내 자리는 그대로입니다.',
    'room.playHere': '이 창에서 하기',
    'room.extended': '진행자가 이 라운드에 시간을 더 주었습니다. 시계에 새로 남은 시간이 나옵니다.',
    'error.roles_not_assigned': '먼저 역할을 배정하세요.',
    'error.not_ready': '정확히 세 명이 있어야 합니다.',
    'error.invalid_roles': '역할마다 한 사람씩 배정해야 합니다.',
    'error.wrong_round': '그 라운드는 끝났습니다. 화면을 새로 고쳤습니다.',
    'error.invalid_choice': '선택지 하나를 고르세요.',
    'error.invalid_confidence': '확신을 1에서 5 사이로 고르세요.',
    'error.invalid_round': '라운드 번호가 올바르지 않습니다.',
    'error.choices_pending': '아직 모두 선택하지 않았습니다.',
    'error.consensus_exists': '이 라운드의 모둠 결정은 이미 기록되었습니다.',
    'error.invalid_credentials': '아이디나 비밀번호가 틀렸습니다.',
    'error.login_throttled': '로그인 실패가 너무 많습니다. 잠시 뒤 다시 시도하세요.',
    'error.username_taken': '이미 있는 아이디입니다. 다른 아이디를 쓰세요.',
    'error.password_too_short': '비밀번호는 8자 이상이어야 합니다.',
    'error.password_too_long': '비밀번호가 너무 깁니다. 72바이트까지 됩니다(한글은 더 적게).',
    'error.unknown_consent_version': '페이지를 연 뒤 동의서가 바뀌었습니다. 페이지를 새로 고쳐 다시 읽어 주세요.',
    'error.participants_pending': '역할은 방에 정확히 세 명이 있을 때 배정됩니다. 누군가 방금 나가거나 들어왔습니다.',
    'error.invalid_setup_code': '설정 코드가 틀렸거나 이미 쓰였습니다. 서버는 관리자가 없는 동안 시작할 때 이 코드를 출력합니다.',
    'error.invalid_username': '아이디에는 영문자, 숫자, 점, 대시, 밑줄을 쓸 수 있습니다.',
    'error.invalid_email': '이메일 주소가 올바르지 않습니다.',
    'error.invalid_nickname': '그 닉네임은 쓸 수 없습니다. 32자 이내로, 보이는 글자가 있어야 하고 숨은 문자나 글자 방향을 바꾸는 문자는 쓸 수 없습니다.',
    'error.invalid_title': '그 방 제목은 쓸 수 없습니다.',
    'error.invalid_topic': '목록에서 주제를 고르세요.',
    'error.unknown_topic': '목록에서 주제를 고르세요.',
    'error.missing_field': '필요한 칸을 모두 채우세요.',
    'error.invalid_field': '허용되지 않는 값이 있습니다.',
    'error.malformed_json': '서버가 읽을 수 없는 형태로 보낸 칸이 있습니다. 페이지를 새로 고친 뒤 다시 해 보세요.',
    'error.rate_limited': '요청이 너무 많습니다. 잠시 뒤 다시 시도하세요.',
    'error.token_expired': '로그인이 만료되었습니다. 다시 로그인하세요.',
    'error.invalid_token': '로그인이 더 이상 유효하지 않습니다. 다시 로그인하세요.',
    'error.token_revoked': '이 로그인은 종료되었습니다. 다시 로그인하세요.',
    'error.missing_token': '로그인하세요.',
    'error.invalid_refresh_token': '로그인이 만료되었습니다. 다시 로그인하세요.',
    'error.refresh_token_reused': '안전을 위해 로그아웃되었습니다. 다시 로그인하세요.',
    'error.payload_too_large': '내용이 너무 깁니다.',
    'error.cluster_unavailable': '게임 서버가 시작하는 중입니다. 잠시 뒤 다시 시도하세요.',
    'error.internal_error': '서버에 문제가 생겼습니다. 다시 시도하세요.',
    'error.voice_consent_required': '음성 녹음에 동의한 참가자만 녹음을 시작하거나 멈출 수 있습니다.',
    'error.no_completed_rounds': '피드백은 첫 라운드 결정 뒤에 받을 수 있습니다.',
  },
};

/** @type {Lang} */
let current = readStoredLang();

/** @returns {Lang} */
function readStoredLang() {
  const stored = localStorage.getItem(STORAGE_KEY);
  if (stored === 'ko' || stored === 'en') {
    return stored;
  }
  return navigator.language.toLowerCase().startsWith('ko') ? 'ko' : 'en';
}

/** @returns {Lang} */
export function lang() {
  return current;
}

/** @param {Lang} next */
export function setLang(next) {
  current = next;
  localStorage.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
}

/**
 * The text for a key in the current language, with {name} placeholders filled in.
 * @param {string} key
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function t(key, params) {
  const text = STRINGS[current][key] ?? STRINGS.en[key] ?? key;
  if (!params) {
    return text;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

/**
 * What is left until a server's deadline_at, as m:ss (same clock assumed; a class runs on one); 0:00 once it has passed.
 * Counted from now, or from a paused room's paused_at: its deadline stands still from there.
 * @param {string} deadlineAt
 * @param {string | null} [from]
 * @returns {string}
 */
export function countdown(deadlineAt, from) {
  const left = Math.max(0, Math.ceil((Date.parse(deadlineAt) - (from ? Date.parse(from) : Date.now())) / 1000));
  return `${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`;
}

/**
 * The text for a count: the key's form that the current language uses for it (`key.one`, `key.other`, as
 * Intl.PluralRules names them), falling back to `key.other`.
 * @param {string} key
 * @param {number} count
 * @param {Record<string, string | number>} [params]
 * @returns {string}
 */
export function counted(key, count, params) {
  const form = `${key}.${new Intl.PluralRules(current).select(count)}`;
  return t(form in STRINGS[current] ? form : `${key}.other`, params);
}

/**
 * Whether a key has text (used to tell known error codes from unknown ones).
 * @param {string} key
 */
export function has(key) {
  return key in STRINGS.en;
}

/**
 * Picks the current language from a server text that is either a plain string or { ko, en }.
 * @param {string | { ko: string, en: string } | null | undefined} text
 * @returns {string}
 */
export function pick(text) {
  if (text == null) {
    return '';
  }
  return typeof text === 'string' ? text : text[current] ?? text.en;
}

/**
 * Adds a screen's own words (assets/screens/*.js keep theirs next to their markup); a key already known is an error,
 * so two screens never silently share or override a text.
 * @param {Record<Lang, Record<string, string>>} table
 */
export function addStrings(table) {
  for (const language of /** @type {Lang[]} */ (['en', 'ko'])) {
    for (const [key, text] of Object.entries(table[language])) {
      if (key in STRINGS[language]) {
        throw new Error(`The text ${key} is defined twice`);
      }
      STRINGS[language][key] = text;
    }
  }
}

/** A count in the page's language. @param {number} value */
export function number(value) {
  return new Intl.NumberFormat(current).format(value);
}

/** A share (0–1) as a percentage in the page's language, to a tenth; nothing for no value. @param {number | null} value */
export function percent(value) {
  return value == null ? '' : new Intl.NumberFormat(current, { style: 'percent', maximumFractionDigits: 1 }).format(value);
}

/**
 * The locale every date and time is written in: the page's language, never the browser's (a Korean page said "7:23:53 AM"
 * where the rest of it said 07:17). British English for English: a 24-hour clock, as in Korean.
 */
function dateLocale() {
  return current === 'ko' ? 'ko-KR' : 'en-GB';
}

/** A time from the server (ISO, UTC) as a date and a time of day in the page's language. @param {string} at */
export function when(at) {
  return new Date(at).toLocaleString(dateLocale(), { dateStyle: 'medium', timeStyle: 'short' });
}

/** A time from the server (ISO, UTC) as a time of day alone in the page's language, for what happened today. @param {string} at */
export function timeOfDay(at) {
  return new Date(at).toLocaleTimeString(dateLocale(), { timeStyle: 'short' });
}

// The two sockets of a room (api.md "WebSocket"): the voice session socket, which pushes room_updated and
// voice status, and the signaling socket, which carries the WebRTC offers, answers and candidates of a
// full mesh of three. Both reconnect with backoff and jitter; a reconnect reads the room again.

import { wsTicket } from './api.js';

/**
 * @typedef {{ type: string, [field: string]: any }} Message
 * @typedef {'new' | 'connecting' | 'connected' | 'relayed' | 'disconnected' | 'failed' | 'closed'} LinkState
 * @typedef {{ peerId: number, nickname: string, state: LinkState, speaking: boolean, micOn: boolean }} PeerView
 * @typedef {{ peer_user_id: number, connection_state: string, relayed: boolean, round_trip_ms: number | null,
 *   jitter_ms: number | null, packets_received: number | null, packets_lost: number | null }} LinkQuality
 */

/** How often, and how far apart, a link that just connected asks getStats() again for its selected candidate pair. */
const PAIR_LOOKS = 20;
const PAIR_LOOK_MS = 250;
/** Signaling kept per participant whose peer_joined has not arrived yet: an offer and its candidates. */
const EARLY_MESSAGES = 64;

/**
 * The close code for "no longer a participant" (README, close codes): left in another tab, removed, moved to another
 * room, or the seat given to a bot. Reconnecting cannot help, so the socket stops and says so.
 */
const NOT_PARTICIPANT = 4003;

/**
 * The close code for "replaced by a newer socket of the same user": the game opened in another tab or on another
 * device. Reconnecting would take the room back from that one, which would do the same in turn, without end.
 */
const REPLACED = 4000;

/** A socket that reconnects with exponential backoff and jitter until closed on purpose, or told it is no longer wanted. */
export class ReconnectingSocket {
  /**
   * @param {(ticket: string) => string} pathFor the path and query, given a fresh single-use ticket
   * @param {{ onOpen: (socket: ReconnectingSocket) => void, onMessage: (message: Message) => void, onDown: () => void, onGone?: () => void,
   *   onReplaced?: () => void }} handlers onReplaced, when given, stops the socket on a 4000 close instead of reconnecting
   */
  constructor(pathFor, handlers) {
    this.pathFor = pathFor;
    this.handlers = handlers;
    /** @type {WebSocket | null} */
    this.socket = null;
    this.attempt = 0;
    this.closed = false;
    /** @type {number | undefined} */
    this.timer = undefined;
    void this.connect();
  }

  async connect() {
    if (this.closed) {
      return;
    }
    /** @type {string} */
    let ticket;
    try {
      ticket = await wsTicket();
    } catch {
      this.retry();
      return;
    }
    if (this.closed) {
      return;
    }
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const socket = new WebSocket(`${scheme}//${location.host}${this.pathFor(ticket)}`);
    this.socket = socket;
    socket.onopen = () => {
      this.attempt = 0;
      this.handlers.onOpen(this);
    };
    socket.onmessage = (event) => {
      try {
        this.handlers.onMessage(JSON.parse(String(event.data)));
      } catch (error) {
        console.warn('Unreadable socket message', error);
      }
    };
    socket.onclose = (event) => {
      if (this.socket === socket) {
        this.socket = null;
        if (this.closed) {
          return;
        }
        if (event.code === NOT_PARTICIPANT) {
          this.closed = true;
          this.handlers.onGone?.();
          return;
        }
        if (event.code === REPLACED && this.handlers.onReplaced) {
          this.closed = true;
          this.handlers.onReplaced();
          return;
        }
        this.handlers.onDown();
        this.retry();
      }
    };
  }

  retry() {
    // 0.5 s doubling to 15 s, each wait drawn at random below the cap so a class reconnecting at once spreads out.
    const cap = Math.min(15000, 500 * 2 ** this.attempt);
    this.attempt += 1;
    this.timer = window.setTimeout(() => void this.connect(), Math.random() * cap);
  }

  /** @param {Message} message */
  send(message) {
    if (this.socket?.readyState === WebSocket.OPEN) {
      this.socket.send(JSON.stringify(message));
    }
  }

  get open() {
    return this.socket?.readyState === WebSocket.OPEN;
  }

  close() {
    this.closed = true;
    window.clearTimeout(this.timer);
    this.socket?.close(1000);
    this.socket = null;
  }
}

/**
 * One RTCPeerConnection per other participant, with perfect negotiation: the server's `polite` flag says
 * which side yields when offers cross. Only the impolite side makes the very first offer (Chromium can stall
 * ICE gathering for good when the polite side rolls back its first offer while it is still being applied).
 */
export class VoiceMesh {
  /**
   * @param {string} roomCode
   * @param {number} selfId
   * @param {() => void} onChange called whenever a link, the microphone or a speaking flag changes
   * @param {(text: string) => void} onDown called when the signaling socket drops
   * @param {() => void} [onReplaced] called when a newer signaling socket of the same user took this one's place
   */
  constructor(roomCode, selfId, onChange, onDown, onReplaced) {
    this.roomCode = roomCode;
    this.selfId = selfId;
    this.onChange = onChange;
    /** @type {Map<number, Peer>} */
    this.peers = new Map();
    /**
     * Signaling from a participant this page has no link to yet: a page that (re)joins offers as soon as it hears
     * who is in the room, and that offer can arrive before our peer_joined for it does. Kept for open().
     * @type {Map<number, Message[]>}
     */
    this.early = new Map();
    /** @type {RTCIceServer[]} */
    this.iceServers = [];
    /** @type {MediaStream | null} */
    this.local = null;
    this.micOn = true;
    this.noMic = false;
    this.speaking = false;
    this.closed = false;
    /** Sends on the room's voice socket (voice status, link states and quality); set by the page. @type {(message: Message) => void} */
    this.statusOut = () => {};
    /** @type {Map<number, { micOn: boolean, speaking: boolean }>} */
    this.remoteStatus = new Map();
    this.ready = this.prepare();
    this.signaling = new ReconnectingSocket(
      (ticket) => `/ws/signaling?room_code=${encodeURIComponent(roomCode)}&ticket=${encodeURIComponent(ticket)}`,
      {
        onOpen: (socket) => void this.ready.then(() => socket.send({ type: 'join' })),
        onMessage: (message) => void this.ready.then(() => this.handle(message)),
        onDown: () => onDown('signaling'),
        onReplaced,
      });
  }

  async prepare() {
    try {
      const response = await fetch('/webrtc/ice-config', { headers: authHeaders() });
      if (response.ok) {
        this.iceServers = (await response.json()).iceServers ?? [];
      }
    } catch {
      this.iceServers = [];
    }
    try {
      this.local = await navigator.mediaDevices.getUserMedia({ audio: true, video: false });
      if (this.closed) {
        // Closed while the browser asked for the microphone (the game ended): it is let go at once.
        this.local.getTracks().forEach((track) => track.stop());
        return;
      }
      this.watchSpeaking(this.local);
    } catch {
      this.noMic = true;
    }
    this.onChange();
  }

  /** @param {Message} message */
  handle(message) {
    switch (message.type) {
      case 'peers':
        for (const peer of message.peers) {
          this.open(peer.peer_id, peer.nickname, Boolean(peer.polite));
        }
        break;
      case 'peer_joined':
        this.open(message.peer_id, message.nickname ?? this.peers.get(message.peer_id)?.nickname ?? '', Boolean(message.polite));
        break;
      case 'peer_left':
        this.peers.get(message.peer_id)?.close();
        this.peers.delete(message.peer_id);
        this.early.delete(message.peer_id);
        break;
      case 'offer':
      case 'answer':
      case 'candidate': {
        const peer = this.peers.get(message.from);
        if (peer) {
          void peer.receive(message);
        } else {
          this.keepEarly(message);
        }
        break;
      }
      case 'ice_config_refresh':
        this.iceServers = message.iceServers ?? this.iceServers;
        for (const peer of this.peers.values()) {
          peer.pc.setConfiguration({ iceServers: this.iceServers });
        }
        break;
      default:
        break;
    }
    this.onChange();
  }

  /**
   * A (new) link to a peer; a peer that joins again (a reload) gets a fresh connection.
   * @param {number} peerId
   * @param {string} nickname
   * @param {boolean} polite
   */
  open(peerId, nickname, polite) {
    this.peers.get(peerId)?.close();
    const peer = new Peer(this, peerId, nickname, polite);
    this.peers.set(peerId, peer);
    const early = this.early.get(peerId) ?? [];
    this.early.delete(peerId);
    // In arrival order: each hands its description or candidate to the connection before the next is looked at.
    for (const message of early) {
      void peer.receive(message);
    }
  }

  /** @param {Message} message signaling from a participant not (yet) linked; a bounded number per sender */
  keepEarly(message) {
    const kept = this.early.get(message.from) ?? [];
    if (kept.length < EARLY_MESSAGES) {
      kept.push(message);
      this.early.set(message.from, kept);
    }
  }

  /** @param {boolean} on */
  setMic(on) {
    this.micOn = on;
    for (const track of this.local?.getAudioTracks() ?? []) {
      track.enabled = on;
    }
    this.sendStatus();
    this.onChange();
  }

  sendStatus() {
    this.statusOut({ type: 'voice_status_update', is_mic_on: this.micOn && !this.noMic, is_speaking: this.speaking && this.micOn });
  }

  /** @param {MediaStream} stream */
  watchSpeaking(stream) {
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Uint8Array(analyser.fftSize);
    this.speakingTimer = window.setInterval(() => {
      analyser.getByteTimeDomainData(samples);
      let peak = 0;
      for (const sample of samples) {
        peak = Math.max(peak, Math.abs(sample - 128));
      }
      const speaking = this.micOn && peak > 12;
      if (speaking !== this.speaking) {
        this.speaking = speaking;
        this.sendStatus();
        this.onChange();
      }
    }, 250);
    this.audioContext = context;
  }

  /**
   * Each open link's summary from getStats(), for the voice socket's once-a-round link_quality report.
   * @returns {Promise<LinkQuality[]>}
   */
  async linkQuality() {
    const peers = [...this.peers.values()].filter((peer) => peer.state !== 'closed');
    return Promise.all(peers.map((peer) => peer.quality()));
  }

  /** @returns {PeerView[]} */
  view() {
    return [...this.peers.values()].map((peer) => ({
      peerId: peer.peerId,
      nickname: peer.nickname,
      state: peer.state,
      speaking: this.remoteStatus.get(peer.peerId)?.speaking ?? false,
      micOn: this.remoteStatus.get(peer.peerId)?.micOn ?? true,
    }));
  }

  close() {
    this.closed = true;
    this.signaling.close();
    for (const peer of this.peers.values()) {
      peer.close();
    }
    this.peers.clear();
    window.clearInterval(this.speakingTimer);
    void this.audioContext?.close();
    for (const track of this.local?.getTracks() ?? []) {
      track.stop();
    }
  }
}

/** @returns {Record<string, string>} */
function authHeaders() {
  const raw = sessionStorage.getItem('dilemma.session');
  return raw ? { Authorization: `Bearer ${JSON.parse(raw).access_token}` } : {};
}

/** One side of one link of the mesh. */
class Peer {
  /**
   * @param {VoiceMesh} mesh
   * @param {number} peerId
   * @param {string} nickname
   * @param {boolean} polite
   */
  constructor(mesh, peerId, nickname, polite) {
    this.mesh = mesh;
    this.peerId = peerId;
    this.nickname = nickname;
    this.polite = polite;
    this.makingOffer = false;
    this.ignoreOffer = false;
    /** The polite side waits for the first offer; see VoiceMesh. */
    this.mayOffer = !polite;
    /** @type {LinkState} */
    this.state = 'new';
    this.pc = new RTCPeerConnection({ iceServers: mesh.iceServers });
    this.audio = new Audio();
    this.audio.autoplay = true;
    const pc = this.pc;
    const track = mesh.local?.getAudioTracks()[0];
    if (track && mesh.local) {
      pc.addTrack(track, mesh.local);
    } else {
      pc.addTransceiver('audio', { direction: 'recvonly' });
    }
    pc.ontrack = (event) => {
      this.audio.srcObject = event.streams[0] ?? new MediaStream([event.track]);
      void this.audio.play().catch(() => {});
    };
    pc.onicecandidate = (event) => {
      if (event.candidate) {
        mesh.signaling.send({ type: 'candidate', to: peerId, candidate: event.candidate.toJSON() });
      }
    };
    pc.onnegotiationneeded = () => void this.offer();
    pc.onconnectionstatechange = () => void this.updateState();
    pc.oniceconnectionstatechange = () => {
      // A failed link is restarted from the impolite side, which then offers again.
      if (pc.iceConnectionState === 'failed' && !this.polite) {
        pc.restartIce();
      }
    };
  }

  async offer() {
    if (!this.mayOffer) {
      return;
    }
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.mesh.signaling.send({ type: 'offer', to: this.peerId, sdp: this.pc.localDescription?.sdp });
    } catch (error) {
      console.warn('Offer failed', error);
    } finally {
      this.makingOffer = false;
    }
  }

  /** @param {Message} message */
  async receive(message) {
    const pc = this.pc;
    try {
      if (message.type === 'candidate') {
        try {
          await pc.addIceCandidate(message.candidate);
        } catch (error) {
          if (!this.ignoreOffer) {
            throw error;
          }
        }
        return;
      }
      const description = /** @type {RTCSessionDescriptionInit} */ ({ type: message.type, sdp: message.sdp });
      const collision = description.type === 'offer' && (this.makingOffer || pc.signalingState !== 'stable');
      this.ignoreOffer = !this.polite && collision;
      if (this.ignoreOffer) {
        return;
      }
      await pc.setRemoteDescription(description);
      if (description.type === 'offer') {
        this.mayOffer = true;
        await pc.setLocalDescription();
        this.mesh.signaling.send({ type: 'answer', to: this.peerId, sdp: pc.localDescription?.sdp });
      }
    } catch (error) {
      console.warn('Signaling message failed', error);
    }
  }

  /** @param {number} [attempt] how many times getStats() has been asked for the selected pair of this change */
  async updateState(attempt = 0) {
    const state = this.pc.connectionState;
    const relayed = state === 'connected' ? await this.relayed() : false;
    if (this.state === 'closed') {
      // Closed while looking (a peer that joined again has a new link): this one reports nothing more.
      return;
    }
    if (relayed === null && attempt < PAIR_LOOKS && this.pc.connectionState === 'connected') {
      // Right as a link connects, getStats() may not name its selected candidate pair yet (a busy machine, a relay
      // allocated last): judged then, a relayed link would show, and be reported, as direct. Look again shortly.
      window.setTimeout(() => void this.updateState(attempt + 1), PAIR_LOOK_MS);
      return;
    }
    this.state = state === 'connected' && relayed ? 'relayed' : state;
    // The server keeps each change for the facilitator's monitor; an error answer (an older server) changes nothing here.
    this.mesh.statusOut({ type: 'link_state', peer_user_id: this.peerId, state, relayed: relayed === true });
    this.mesh.onChange();
  }

  /**
   * Whether the selected candidate pair goes through a TURN relay; null while getStats() names no selected pair.
   * @returns {Promise<boolean | null>}
   */
  async relayed() {
    const { quality, paired } = await this.measure();
    return paired ? quality.relayed : null;
  }

  /**
   * This link's measures: the selected candidate pair's round-trip time and type, and the inbound audio's
   * jitter and packet counts. getStats() gives seconds; the report carries milliseconds.
   * @returns {Promise<LinkQuality>}
   */
  async quality() {
    return (await this.measure()).quality;
  }

  /**
   * The measures of {@link quality}, and whether getStats() named a selected candidate pair and its local candidate.
   * @returns {Promise<{ quality: LinkQuality, paired: boolean }>}
   */
  async measure() {
    /** @type {LinkQuality} */
    const quality = {
      peer_user_id: this.peerId,
      connection_state: this.pc.connectionState,
      relayed: false,
      round_trip_ms: null,
      jitter_ms: null,
      packets_received: null,
      packets_lost: null,
    };
    /** @type {Map<string, any>} */
    const byId = new Map();
    try {
      (await this.pc.getStats()).forEach((report) => byId.set(report.id, report));
    } catch {
      // A closed connection has no statistics: the report says only its state.
      return { quality, paired: false };
    }
    let paired = false;
    for (const report of byId.values()) {
      if (report.type === 'transport' && report.selectedCandidatePairId) {
        const pair = byId.get(report.selectedCandidatePairId);
        const local = byId.get(pair?.localCandidateId);
        paired = local !== undefined;
        quality.relayed = local?.candidateType === 'relay';
        if (typeof pair?.currentRoundTripTime === 'number') {
          quality.round_trip_ms = pair.currentRoundTripTime * 1000;
        }
      } else if (report.type === 'inbound-rtp' && report.kind === 'audio') {
        quality.jitter_ms = typeof report.jitter === 'number' ? report.jitter * 1000 : null;
        quality.packets_received = typeof report.packetsReceived === 'number' ? report.packetsReceived : null;
        quality.packets_lost = typeof report.packetsLost === 'number' ? report.packetsLost : null;
      }
    }
    return { quality, paired };
  }

  close() {
    this.pc.close();
    this.audio.srcObject = null;
    this.state = 'closed';
  }
}

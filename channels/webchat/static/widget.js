/*
 * Veilig Melden web chat widget. Embed with one script tag:
 *
 *   <script src="https://chat.example/webchat/widget.js" defer
 *           data-language="fr" data-exit-url="https://www.bbc.com/weather"></script>
 *
 * data-language  the interface language to start with (nl, en, fr, es, de, pt, ar); the
 *                browser's language otherwise. The person can change it in the widget.
 * data-exit-url  where the quick exit goes (the server's quick_exit_url otherwise).
 * data-open      "false" starts the widget minimised.
 *
 * Quick exit: the button, or Esc twice. It disconnects, removes the widget from the page
 * and its keys from sessionStorage, and replaces the page with the neutral one, so Back
 * does not return to the conversation.
 *
 * Files: the attach button (next to the message field; Tab reaches it, Enter or Space opens
 * the file picker) sends one file at a time over the chat's own socket.io session: first its
 * size (user_file; the assistant refuses a file too large before any of it is sent), then
 * the file in chunks (user_file_chunk). The file's name is shown in the person's own bubble
 * and never sent. While a file is being sent, the button says so and chooses no other.
 *
 * Storage: nothing in localStorage. sessionStorage keeps only the session token and the
 * chosen language, so reloading the page continues the conversation; it is scoped to this
 * tab and is gone when the tab closes. What was said is never stored in the browser: after
 * a reload the conversation continues, but earlier messages are not shown again.
 *
 * Why not an existing widget: rasa-webchat (Botfront) keeps the session and the
 * conversation in browser storage and has no quick exit; @rasahq/rasa-chat is a React
 * pre-release that is not on the npm registry.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  if (!script || window.__veiligMeldenWebchat) {
    return; // embedded twice: one widget is enough
  }
  window.__veiligMeldenWebchat = true;

  var BASE = new URL(".", script.src);
  var STORAGE_PREFIX = "vm-webchat:";
  var ESC_TWICE_MS = 1500;
  var LANGUAGE_SETTLE_MS = 700;
  var FALLBACK_EXIT_URL = "https://www.bbc.com/weather";
  // What the evidence desk takes (bot/evidence): the picker offers these first.
  var FILE_TYPES =
    "image/*,application/pdf,text/plain,audio/*,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.odt,.ods,.odp";
  var CHUNKS_IN_FLIGHT = 4; // chunks sent before the first of them is acknowledged
  // On long-polling (where WebSockets are blocked) each chunk is an HTTP request, which
  // nginx counts per client address (deploy/nginx): at most 4 a second, so a file leaves
  // the rest of an office behind the same address its share.
  var POLLING_CHUNK_GAP_MS = 250;
  // The last chunk's acknowledgement waits for the assistant's answer.
  var FILE_TIMEOUT_MS = 120000;
  // Refusals of a file's own events (channels/webchat/transport.py).
  var FILE_REFUSALS = ["invalid_file", "no_upload", "bad_chunk", "busy"];

  // sessionStorage may be unavailable (privacy settings): then the token lives in memory.
  var store = {
    get: function (key) {
      try {
        return window.sessionStorage.getItem(STORAGE_PREFIX + key);
      } catch (e) {
        return null;
      }
    },
    set: function (key, value) {
      try {
        window.sessionStorage.setItem(STORAGE_PREFIX + key, value);
      } catch (e) {
        /* memory only */
      }
    },
    clear: function () {
      try {
        var doomed = [];
        for (var i = 0; i < window.sessionStorage.length; i++) {
          var key = window.sessionStorage.key(i);
          if (key && key.indexOf(STORAGE_PREFIX) === 0) doomed.push(key);
        }
        doomed.forEach(function (key) {
          window.sessionStorage.removeItem(key);
        });
      } catch (e) {
        /* nothing stored */
      }
    },
  };

  function safeExitUrl(candidate) {
    if (!candidate) return null; // new URL("", here) would be this very page
    try {
      var url = new URL(candidate, window.location.href);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function loadSocketIo() {
    // The socket.io client's UMD build sets window.io: keep the host page's own `io`.
    return new Promise(function (resolve, reject) {
      var previous = Object.prototype.hasOwnProperty.call(window, "io") ? window.io : undefined;
      var tag = document.createElement("script");
      tag.src = new URL("socket.io.min.js", BASE).href;
      tag.async = true;
      tag.onload = function () {
        var io = window.io;
        if (previous === undefined) delete window.io;
        else window.io = previous;
        tag.remove();
        resolve(io);
      };
      tag.onerror = function () {
        tag.remove();
        reject(new Error("the socket.io client could not be loaded"));
      };
      document.head.appendChild(tag);
    });
  }

  function loadConfig() {
    return fetch(new URL("config", BASE).href, { credentials: "omit", cache: "no-store" }).then(
      function (reply) {
        if (!reply.ok) throw new Error("config: HTTP " + reply.status);
        return reply.json();
      }
    );
  }

  function loadStylesheet() {
    var link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = new URL("widget.css", BASE).href;
    document.head.appendChild(link);
    return link;
  }

  function element(tag, attributes, children) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) {
      if (name === "text") node.textContent = attributes[name];
      else node.setAttribute(name, attributes[name]);
    });
    (children || []).forEach(function (child) {
      node.appendChild(child);
    });
    return node;
  }

  // A paperclip that needs no emoji font and takes the text's colour (also in forced
  // colours): Feather's "paperclip" icon (MIT licence). Decorative: the button has a name.
  function paperclip() {
    var ns = "http://www.w3.org/2000/svg";
    var svg = document.createElementNS(ns, "svg");
    var path = document.createElementNS(ns, "path");
    var attributes = {
      class: "vmw-paperclip",
      viewBox: "0 0 24 24",
      width: "20",
      height: "20",
      fill: "none",
      stroke: "currentColor",
      "stroke-width": "2",
      "stroke-linecap": "round",
      "stroke-linejoin": "round",
      "aria-hidden": "true",
      focusable: "false",
    };
    Object.keys(attributes).forEach(function (name) {
      svg.setAttribute(name, attributes[name]);
    });
    path.setAttribute(
      "d",
      "M21.44 11.05l-9.19 9.19a6 6 0 0 1-8.49-8.49l9.19-9.19a4 4 0 0 1 5.66 5.66l-9.2 9.19" +
        "a2 2 0 0 1-2.83-2.83l8.49-8.48"
    );
    svg.appendChild(path);
    return svg;
  }

  // "230 KB", "1.4 MB": as the assistant writes sizes (bot/evidence/dialogue.py).
  function sizeText(size) {
    if (size < 1024 * 1024) return Math.max(1, Math.round(size / 1024)) + " KB";
    return (size / (1024 * 1024)).toFixed(1) + " MB";
  }

  function pickLanguage(config) {
    var supported = config.languages.map(function (l) {
      return l.code;
    });
    var wanted = [store.get("language"), script.getAttribute("data-language")].concat(
      (navigator.languages || [navigator.language || ""]).map(function (tag) {
        return String(tag).slice(0, 2).toLowerCase();
      })
    );
    for (var i = 0; i < wanted.length; i++) {
      if (wanted[i] && supported.indexOf(wanted[i]) !== -1) return wanted[i];
    }
    return supported.indexOf("en") !== -1 ? "en" : supported[0];
  }

  // ---------------------------------------------------------------------------------------
  // The view: builds the widget's DOM and keeps it in the current language.

  function View(config, language, handlers) {
    this.config = config;
    this.language = language;
    this.handlers = handlers;
    this.labelled = []; // [node, attribute or "text", label]
    this.build();
    this.setLanguage(language);
  }

  View.prototype.t = function (label, values) {
    var text = (this.config.labels[this.language] || {})[label] || label;
    Object.keys(values || {}).forEach(function (name) {
      text = text.split("{" + name + "}").join(String(values[name]));
    });
    return text;
  };

  View.prototype.label = function (node, attribute, label) {
    this.labelled.push([node, attribute, label]);
    return node;
  };

  View.prototype.build = function () {
    var self = this;
    var id = function (name) {
      return "vm-webchat-" + name;
    };

    this.title = this.label(element("h2", { class: "vmw-title" }), "text", "title");
    this.subtitle = this.label(element("p", { class: "vmw-subtitle" }), "text", "subtitle");
    this.exitButton = this.label(
      element("button", { type: "button", class: "vmw-exit", "aria-describedby": id("exit-hint") }),
      "text",
      "quick_exit"
    );
    this.exitHint = this.label(
      element("p", { id: id("exit-hint"), class: "vmw-hint" }),
      "text",
      "quick_exit_hint"
    );
    this.toggle = element("button", {
      type: "button",
      class: "vmw-toggle",
      "aria-expanded": "true",
      "aria-controls": id("body"),
    });

    this.languageLabel = this.label(element("label", { for: id("language") }), "text", "language");
    this.languageSelect = element(
      "select",
      { id: id("language"), class: "vmw-language" },
      this.config.languages.map(function (l) {
        // Each language in its own name, its own language and direction.
        return element("option", { value: l.code, lang: l.code, dir: l.dir, text: l.name });
      })
    );

    this.status = element("p", { class: "vmw-status", role: "status" });
    this.log = this.label(
      element("div", { class: "vmw-log", role: "log", "aria-live": "polite", tabindex: "0" }),
      "aria-label",
      "log"
    );
    this.inputLabel = this.label(
      element("label", { for: id("input"), class: "vmw-input-label" }),
      "text",
      "input_label"
    );
    this.input = this.label(
      element("textarea", {
        id: id("input"),
        class: "vmw-input",
        rows: "2",
        maxlength: String(this.config.max_message_characters),
        autocomplete: "off",
      }),
      "placeholder",
      "placeholder"
    );
    this.sendButton = this.label(
      element("button", { type: "submit", class: "vmw-send" }),
      "text",
      "send"
    );
    // A real button, named in the person's language; the picker's own input stays out of
    // the tab order and out of the accessibility tree.
    this.fileInput = element("input", {
      type: "file",
      class: "vmw-file",
      accept: FILE_TYPES,
      tabindex: "-1",
      "aria-hidden": "true",
      hidden: "",
    });
    this.attachHint = this.label(
      element("p", { id: id("attach-hint"), class: "vmw-attach-hint", hidden: "" }),
      "text",
      "attach_busy"
    );
    this.attachButton = this.label(
      this.label(
        element("button", { type: "button", class: "vmw-attach" }, [
          paperclip(),
          this.label(element("span", { class: "vmw-visually-hidden" }), "text", "attach"),
        ]),
        "aria-label",
        "attach"
      ),
      "title",
      "attach"
    );
    this.form = element("form", { class: "vmw-form", novalidate: "" }, [
      this.inputLabel,
      element("div", { class: "vmw-compose" }, [
        this.input,
        this.attachButton,
        this.sendButton,
      ]),
      this.attachHint,
      this.fileInput,
    ]);

    this.body = element("div", { id: id("body"), class: "vmw-body" }, [
      element("div", { class: "vmw-toolbar" }, [this.languageLabel, this.languageSelect]),
      this.status,
      this.log,
      this.form,
    ]);
    // A named <section> is a landmark: screen-reader users can jump to the chat.
    this.root = this.label(
      element("section", { id: "vm-webchat", class: "vmw", "data-state": "connecting" }, [
        element("header", { class: "vmw-header" }, [
          element("div", { class: "vmw-heading" }, [this.title, this.subtitle]),
          element("div", { class: "vmw-actions" }, [this.toggle, this.exitButton]),
          this.exitHint,
        ]),
        this.body,
      ]),
      "aria-label",
      "region"
    );

    this.exitButton.addEventListener("click", function () {
      self.handlers.quickExit();
    });
    this.toggle.addEventListener("click", function () {
      self.setOpen(self.toggle.getAttribute("aria-expanded") !== "true", true);
    });
    this.languageSelect.addEventListener("change", function () {
      self.handlers.chooseLanguage(self.languageSelect.value);
    });
    this.form.addEventListener("submit", function (event) {
      event.preventDefault();
      self.submit();
    });
    this.attachButton.addEventListener("click", function () {
      if (self.attachButton.getAttribute("aria-disabled") === "true") return; // says why
      self.fileInput.click();
    });
    this.fileInput.addEventListener("change", function () {
      var file = self.fileInput.files && self.fileInput.files[0];
      self.fileInput.value = ""; // the same file can be chosen again
      if (file) self.handlers.sendFile(file);
    });
    this.input.addEventListener("keydown", function (event) {
      // Enter sends, Shift+Enter starts a new line.
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        self.submit();
      }
    });
    document.body.appendChild(this.root);
  };

  View.prototype.submit = function () {
    var text = this.input.value.trim();
    if (!text) return;
    this.input.value = "";
    this.handlers.send(text, text);
  };

  View.prototype.setOpen = function (open, focus) {
    this.toggle.setAttribute("aria-expanded", open ? "true" : "false");
    this.body.hidden = !open;
    this.root.classList.toggle("vmw--minimised", !open);
    this.toggle.textContent = this.t(open ? "minimise" : "open");
    if (open && focus) this.input.focus();
  };

  View.prototype.setLanguage = function (language) {
    var self = this;
    var choice = this.config.languages.filter(function (l) {
      return l.code === language;
    })[0];
    this.language = language;
    this.root.setAttribute("lang", language);
    this.root.setAttribute("dir", choice && choice.dir === "rtl" ? "rtl" : "ltr");
    this.languageSelect.value = language;
    this.labelled.forEach(function (entry) {
      if (entry[1] === "text") entry[0].textContent = self.t(entry[2]);
      else entry[0].setAttribute(entry[1], self.t(entry[2]));
    });
    var open = this.toggle.getAttribute("aria-expanded") === "true";
    this.toggle.textContent = this.t(open ? "minimise" : "open");
    this.setState(this.root.getAttribute("data-state"));
  };

  View.prototype.setState = function (state) {
    this.root.setAttribute("data-state", state);
    var text = { connecting: this.t("connecting"), lost: this.t("connection_lost") }[state] || "";
    if (this.status.textContent !== text) this.status.textContent = text;
  };

  View.prototype.scroll = function () {
    this.log.scrollTop = this.log.scrollHeight;
  };

  View.prototype.speaker = function (label) {
    // Read out before each message; the bubbles' look says it for sighted users.
    return element("span", { class: "vmw-visually-hidden", text: this.t(label) + ": " });
  };

  View.prototype.removeChoices = function () {
    var groups = this.log.querySelectorAll(".vmw-choices");
    for (var i = 0; i < groups.length; i++) groups[i].remove();
  };

  View.prototype.addUserMessage = function (text) {
    this.removeChoices();
    this.log.appendChild(
      element("div", { class: "vmw-message vmw-message--user" }, [
        this.speaker("you"),
        element("p", { dir: "auto", text: text }),
      ])
    );
    this.scroll();
  };

  // The file as the person's own message; the log (aria-live) reads it out.
  View.prototype.addFileMessage = function (name, size) {
    this.removeChoices();
    this.log.appendChild(
      element("div", { class: "vmw-message vmw-message--user vmw-message--file" }, [
        this.speaker("you"),
        element("p", { dir: "auto" }, [
          paperclip(),
          element("span", { class: "vmw-visually-hidden", text: this.t("file") + ": " }),
          document.createTextNode(name + ", " + sizeText(size)),
        ]),
      ])
    );
    this.scroll();
  };

  // While a file is being sent the button stays focusable and named, says why it does
  // nothing (aria-describedby), and opens no picker.
  View.prototype.setSending = function (sending) {
    if (sending) {
      this.attachButton.setAttribute("aria-disabled", "true");
      this.attachButton.setAttribute("aria-describedby", this.attachHint.id);
    } else {
      this.attachButton.removeAttribute("aria-disabled");
      this.attachButton.removeAttribute("aria-describedby");
    }
    this.attachHint.hidden = !sending;
  };

  View.prototype.addBotMessage = function (message) {
    var self = this;
    var text = typeof message.text === "string" ? message.text : "";
    var choices = message.quick_replies || message.buttons || [];
    if (!text && !choices.length) return; // nothing this widget can show
    var bubble = element("div", { class: "vmw-message vmw-message--bot" }, [
      this.speaker("assistant"),
      element("p", { dir: "auto", text: text }),
    ]);
    var buttons = choices
      .filter(function (choice) {
        return choice && typeof choice.title === "string" && typeof choice.payload === "string";
      })
      .map(function (choice) {
        var button = element("button", {
          type: "button",
          class: "vmw-choice",
          dir: "auto",
          text: choice.title,
        });
        button.addEventListener("click", function () {
          self.handlers.send(choice.payload, choice.title);
          self.input.focus(); // the buttons are about to go
        });
        return button;
      });
    if (buttons.length) {
      bubble.appendChild(element("div", { class: "vmw-choices", role: "group" }, buttons));
    }
    this.log.appendChild(bubble);
    this.scroll();
  };

  View.prototype.addNotice = function (text) {
    this.log.appendChild(element("p", { class: "vmw-notice", dir: "auto", text: text }));
    this.scroll();
  };

  View.prototype.destroy = function () {
    this.root.remove();
  };

  // ---------------------------------------------------------------------------------------
  // The conversation: the socket.io protocol of channels/webchat/channel.py.

  function start(io, config) {
    var exitUrl =
      safeExitUrl(script.getAttribute("data-exit-url")) ||
      safeExitUrl(config.quick_exit_url) ||
      FALLBACK_EXIT_URL;
    var token = store.get("token");
    var confirmed = false; // this connection has its session: messages can go out
    var everConfirmed = false;
    var pending = []; // what was written or chosen while (re)connecting, sent once confirmed
    var stopFile = null; // while a file is being sent: ends it as failed
    var exiting = false;
    var lastEscape = 0;
    var languageTimer = null;
    var stylesheet = loadStylesheet();
    var socket;
    var view;

    function messageId() {
      if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
      return Date.now().toString(36) + Math.random().toString(36).slice(2);
    }

    function emit(message) {
      socket.emit("user_uttered", {
        message: message.text,
        session_id: token,
        message_id: message.id,
        // The language the person reads the chat in: the assistant answers a first message
        // too short to tell its language ("hallo") in it.
        metadata: { interface_language: view.language },
      });
    }

    function whenConfirmed(go) {
      if (confirmed) go();
      else pending.push(go);
    }

    function send(text, shown) {
      view.addUserMessage(shown);
      var message = { text: text, id: messageId() };
      whenConfirmed(function () {
        emit(message);
      });
    }

    // One file at a time: announced, then sent in chunks, a few ahead of their
    // acknowledgements; read from the disk chunk by chunk, in order.
    function sendFile(file) {
      if (stopFile) return;
      var over = false;
      function end(failed) {
        if (over) return;
        over = true;
        stopFile = null;
        view.setSending(false);
        // A refusal is said already: the assistant's reason, or message_refused's notice.
        if (failed) view.addNotice(view.t("file_failed"));
      }
      stopFile = end;
      view.addFileMessage(file.name, file.size);
      view.setSending(true);
      whenConfirmed(function () {
        if (over) return;
        var announcement = {
          session_id: token,
          size: file.size,
          metadata: { interface_language: view.language },
        };
        socket.timeout(FILE_TIMEOUT_MS).emit("user_file", announcement, function (error, answer) {
          if (error || !answer) end(true);
          else if (answer.status !== "ready") end(false);
          else sendChunks(file, answer, end);
        });
      });
    }

    function sendChunks(file, upload, end) {
      var step = upload.chunk_bytes;
      var offset = 0;
      var waiting = 0;
      var reading = false;
      var lastSent = 0;
      var timer = null;
      function over() {
        return stopFile !== end; // ended: sent, refused, failed or disconnected
      }
      function polling() {
        var engine = socket.io && socket.io.engine;
        return Boolean(engine && engine.transport && engine.transport.name === "polling");
      }
      function acknowledged(error, answer) {
        waiting--;
        if (over()) return;
        if (error || !answer) end(true);
        else if (answer.status === "received") next();
        else end(false); // accepted: the assistant answers; refused: said already
      }
      function next() {
        if (over() || reading || waiting >= CHUNKS_IN_FLIGHT || offset >= file.size) return;
        var wait = polling() ? lastSent + POLLING_CHUNK_GAP_MS - Date.now() : 0;
        if (wait > 0) {
          if (!timer) {
            timer = setTimeout(function () {
              timer = null;
              next();
            }, wait);
          }
          return;
        }
        var start = offset;
        offset = Math.min(file.size, offset + step);
        reading = true;
        file
          .slice(start, offset)
          .arrayBuffer()
          .then(function (data) {
            reading = false;
            if (over()) return;
            waiting++;
            lastSent = Date.now();
            var chunk = { upload_id: upload.upload_id, offset: start, data: data };
            socket.timeout(FILE_TIMEOUT_MS).emit("user_file_chunk", chunk, acknowledged);
            next();
          })
          .catch(function () {
            end(true); // the file could not be read (moved, or permission withdrawn)
          });
      }
      next();
    }

    // The assistant answers in the conversation's language once it knows it (a French
    // message, or "in Arabic please"): the widget's own labels follow, without telling
    // the assistant anything; only the picker asks it to change.
    function followLanguage(language) {
      var known = config.languages.some(function (l) {
        return l.code === language;
      });
      if (!known || language === view.language) return;
      store.set("language", language);
      view.setLanguage(language);
    }

    function chooseLanguage(language) {
      var choice = config.languages.filter(function (l) {
        return l.code === language;
      })[0];
      if (!choice) return;
      store.set("language", language);
      view.setLanguage(language);
      // Some browsers report every arrow key on a closed <select> as a change: tell the
      // assistant only the language the person settles on.
      clearTimeout(languageTimer);
      languageTimer = setTimeout(function () {
        send("/change_language" + JSON.stringify({ language: language }), choice.name);
      }, LANGUAGE_SETTLE_MS);
    }

    function quickExit() {
      if (exiting) return;
      exiting = true;
      clearTimeout(languageTimer);
      document.removeEventListener("keydown", onKeydown, true);
      // The neutral page need not learn where the person came from.
      document.head.appendChild(element("meta", { name: "referrer", content: "no-referrer" }));
      try {
        socket.disconnect();
      } catch (e) {
        /* leaving anyway */
      }
      view.destroy();
      stylesheet.remove();
      store.clear();
      token = null;
      // replace(), not assign(): the conversation's page leaves the history, so Back
      // does not come back to it.
      window.location.replace(exitUrl);
    }

    function onKeydown(event) {
      if (event.key !== "Escape" || event.isComposing) return;
      var now = Date.now();
      if (now - lastEscape <= ESC_TWICE_MS) quickExit();
      lastEscape = now;
    }

    view = new View(config, pickLanguage(config), {
      send: send,
      sendFile: sendFile,
      chooseLanguage: chooseLanguage,
      quickExit: quickExit,
    });
    view.setOpen(script.getAttribute("data-open") !== "false", false);
    document.addEventListener("keydown", onKeydown, true);

    socket = io(BASE.origin, {
      path: config.socketio_path,
      transports: ["websocket", "polling"],
      tryAllTransports: true,
      withCredentials: false,
    });
    socket.on("connect", function () {
      socket.emit("session_request", { session_id: token });
    });
    socket.on("session_confirm", function (confirmation) {
      if (!confirmation || typeof confirmation.session_id !== "string") return;
      var resumed = !confirmation.new && !everConfirmed && token;
      token = confirmation.session_id;
      store.set("token", token);
      confirmed = everConfirmed = true;
      view.setState("connected");
      if (resumed) view.addNotice(view.t("resumed"));
      pending.splice(0).forEach(function (go) {
        go();
      });
    });
    socket.on("bot_uttered", function (message) {
      if (!message || typeof message !== "object") return;
      followLanguage(message.language);
      view.addBotMessage(message);
    });
    socket.on("message_refused", function (refusal) {
      var reason = refusal && refusal.reason;
      if (FILE_REFUSALS.indexOf(reason) !== -1) {
        // A chunk sent just before the connection was lost, refused after it came back,
        // is about a file already reported as not sent.
        if (stopFile) view.addNotice(view.t("file_failed"));
      } else if (reason === "too_long") {
        view.addNotice(view.t("too_long", { limit: refusal.limit }));
      } else if (reason === "too_fast") view.addNotice(view.t("too_fast"));
      else view.addNotice(view.t("refused"));
      if (reason === "session_expired" || reason === "no_session") {
        confirmed = false;
        socket.emit("session_request", { session_id: token });
      }
    });
    socket.on("disconnect", function () {
      confirmed = false;
      // The server drops a file half sent with its connection.
      if (stopFile) stopFile(!exiting);
      if (!exiting) view.setState("lost");
    });
    socket.on("connect_error", function () {
      if (!exiting) view.setState("lost");
    });
  }

  function boot() {
    Promise.all([loadSocketIo(), loadConfig()])
      .then(function (loaded) {
        start(loaded[0], loaded[1]);
      })
      .catch(function (error) {
        // No half-working widget: without its labels it could not even name the quick exit.
        if (window.console) {
          window.console.warn("Veilig Melden chat is unavailable:", error.message);
        }
      });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();

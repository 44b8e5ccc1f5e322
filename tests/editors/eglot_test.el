;;; eglot_test.el --- headless Emacs + Eglot end-to-end test of `vigil serve'  -*- lexical-binding: t -*-
;; Env: VIGIL_CMD (the server command, space separated), VIGIL_WORKDIR (a fresh folder).
;; Exit 0 = pass, 1 = a check failed.  Batch Emacs has no command loop: `vigil-idle' runs
;; `post-command-hook' and the idle timers (Eglot's didChange debounce) by hand.

(require 'package)
(add-to-list 'package-directory-list "/usr/share/emacs/site-lisp/elpa")
(package-initialize)
(require 'eglot)
(require 'flymake)
(require 'cl-lib)

(defvar vigil-cmd (split-string (getenv "VIGIL_CMD")))
(defvar vigil-dir (file-name-as-directory (getenv "VIGIL_WORKDIR")))
(defvar vigil-timeout 30)

(defun vigil-log (fmt &rest args)
  (princ (concat (apply #'format fmt args) "\n") #'external-debugging-output))

(defun vigil-fail (fmt &rest args) (error "CHECK FAILED: %s" (apply #'format fmt args)))

(defun vigil-idle ()
  (run-hooks 'post-command-hook)
  (dolist (timer (copy-sequence timer-idle-list)) (timer-event-handler timer)))

(defun vigil-wait (pred)
  (let ((deadline (+ (float-time) vigil-timeout)) val)
    (while (and (not (setq val (funcall pred))) (< (float-time) deadline))
      (accept-process-output nil 0.02)
      (vigil-idle))
    val))

(defun vigil-diags ()
  (cl-remove-if-not
   (lambda (d) (equal (plist-get (cdr (assoc 'eglot-lsp-diag (flymake-diagnostic-data d))) :code) "DES002"))
   (flymake-diagnostics)))

(defun vigil-main ()
  (let ((file (concat vigil-dir "app.py")))
    (add-to-list 'eglot-server-programs `(python-mode . ,vigil-cmd))
    (add-hook 'python-mode-hook #'eglot-ensure)
    (setq python-indent-guess-indent-offset nil)
    (find-file file)
    (vigil-idle)
    (unless (vigil-wait (lambda () (eglot-managed-p))) (vigil-fail "eglot did not start"))
    (unless (vigil-wait #'vigil-diags) (vigil-fail "no DES002 diagnostic"))
    (let* ((d (car (vigil-diags))) (beg (flymake-diagnostic-beg d)) (end (flymake-diagnostic-end d)))
      (vigil-log "diagnostic: line %d col %d: %s" (line-number-at-pos beg)
                 (save-excursion (goto-char beg) (current-column)) (flymake-diagnostic-text d))
      ;; Characters from the line start (the emoji is one; `current-column' would count its width).
      (unless (and (= (line-number-at-pos beg) 4)
                   (= (- beg (save-excursion (goto-char beg) (line-beginning-position))) 20))
        (vigil-fail "diagnostic at an unexpected position"))
      ;; Eglot 1.9's quickfix command forgets INTERACTIVE; call `eglot-code-actions' as M-x does,
      ;; choosing the preferred Vigil fix.
      (goto-char beg)
      ;; A keyboard event (not a mouse list) makes Eglot ask `completing-read', not a popup menu.
      (let ((last-nonmenu-event ?\r)
            (completing-read-function
             (lambda (_p coll &rest _)
               (let ((names (if (functionp coll) (all-completions "" coll) (mapcar #'car coll))))
                 (or (cl-find-if (lambda (n) (string-match-p "^Vigil (DES002)" n)) names) (car names))))))
        (eglot-code-actions beg end "quickfix" t))
      (vigil-idle)
      (unless (save-excursion (goto-char (point-min)) (search-forward "yaml.safe_load(" nil t))
        (vigil-fail "quick fix not applied: %S" (buffer-string))))
    (save-buffer)
    (vigil-idle)
    (let ((content (with-temp-buffer (insert-file-contents file) (buffer-string))))
      (unless (equal content "import yaml\n\ndef read(s):\n    x = \"😀\"; return yaml.safe_load(s)\n")
        (vigil-fail "file on disk: %S" content)))
    (unless (vigil-wait (lambda () (null (vigil-diags)))) (vigil-fail "DES002 still reported after the fix"))
    (eglot-shutdown (eglot-current-server))))

(condition-case err
    (progn (vigil-main) (vigil-log "PASS") (kill-emacs 0))
  (error (vigil-log "FAIL: %s" (error-message-string err))
         (ignore-errors (eglot-shutdown (eglot-current-server)))
         (kill-emacs 1)))

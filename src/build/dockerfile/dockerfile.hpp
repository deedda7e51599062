// The Dockerfile front end in one include: parse() (parser.hpp), expand() (expand.hpp),
// heredoc helpers (heredoc.hpp) and decode() with the typed commands (decode.hpp).
#pragma once

#include "build/dockerfile/ast.hpp"
#include "build/dockerfile/decode.hpp"
#include "build/dockerfile/expand.hpp"
#include "build/dockerfile/heredoc.hpp"
#include "build/dockerfile/parser.hpp"

/* ry_names: what people read for a case's state and an honour, in
 * Chinese and English, the same in every service and the CLI. */
#ifndef RY_NAMES_H
#define RY_NAMES_H

/* A rongyu.CaseState's lower-case name ("eligible") and its Chinese words
 * (合格); "?" for a value that is not one. */
const char *ry_names_state_en(int state);
const char *ry_names_state_zh(int state);

/* A rongyu.Honour's code ("advanced_home"), its Chinese name
 * (杭州市先进职工之家) and its English one ("City Advanced Workers'
 * Home"); "?" for a value that is not one. */
const char *ry_names_honour_code(int honour);
const char *ry_names_honour_zh(int honour);
const char *ry_names_honour_en(int honour);

#endif
